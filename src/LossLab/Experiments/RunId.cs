using System.Text;

namespace LossLab.Experiments;

/// <summary>Run ids built from the values that vary: <c>key=value</c> pairs joined by <c>_</c>, e.g. <c>loss=margin_seed=2</c>.</summary>
public static class RunId
{
    /// <summary>The id of a run with the given varied values, in the given order; characters unsafe in a folder name become <c>-</c>.</summary>
    /// <param name="values">Key and canonical value pairs; at least one.</param>
    public static string Format(IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var parts = values.Select(p => $"{Clean(p.Key)}={Clean(p.Value)}").ToArray();
        if (parts.Length == 0)
        {
            throw new ArgumentException("a run id needs at least one value", nameof(values));
        }

        return string.Join('_', parts);
    }

    private static string Clean(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '+' ? c : '-');
        }

        return builder.ToString().Trim('-');
    }
}
