using System.Text.Json;

namespace LossLab.Losses;

/// <summary>
/// The names of enum values as the command line, sweep keys and JSON files write them: lower-case words joined by
/// dashes (<see cref="TripletMining.SemiHard"/> is <c>semi-hard</c>).
/// </summary>
public static class EnumNames
{
    /// <summary>The name of <paramref name="value"/>.</summary>
    public static string Format(Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
    }

    /// <summary>The names of every member of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>()
        where T : struct, Enum => Enum.GetValues<T>().Select(v => Format(v)).ToArray();

    /// <summary>The member named <paramref name="text"/> (case-sensitive).</summary>
    /// <param name="text">A name from <see cref="Names{T}"/>.</param>
    /// <param name="option">The option being read, named in the error.</param>
    /// <exception cref="ArgumentException">Not a name of <typeparamref name="T"/>; the message lists the valid ones.</exception>
    public static T Parse<T>(string text, string option)
        where T : struct, Enum
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var value in Enum.GetValues<T>())
        {
            if (Format(value) == text)
            {
                return value;
            }
        }

        throw new ArgumentException($"{option}: '{text}' is not valid; valid: {string.Join(", ", Names<T>())}", option);
    }
}
