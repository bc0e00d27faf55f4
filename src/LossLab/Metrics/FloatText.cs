using System.Globalization;
using System.Runtime.CompilerServices;

namespace LossLab.Metrics;

/// <summary>
/// Parses numbers from UTF-8 CSV text with the invariant culture. Plain decimals with at most
/// 7–8 significant digits and a small exponent (what embedding dumps contain) take an exact fast
/// path: an integer mantissa ≤ 2^24 times or divided by an exact power of ten ≤ 10^10 is one
/// correctly rounded float operation. Anything else goes to the framework parser, so results are
/// bit-identical to <see cref="float.Parse(string, IFormatProvider?)"/>.
/// </summary>
internal static class FloatText
{
    private const ulong MaxExactMantissa = 1UL << 24;

    private static readonly float[] PowersOfTen = [1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f, 1e8f, 1e9f, 1e10f];

    /// <summary>Parses the whole of <paramref name="text"/> (surrounding blanks allowed) as a float.</summary>
    public static bool TryParse(ReadOnlySpan<byte> text, out float value) =>
        TryParsePrefix(text, out value, out var consumed) && consumed == text.Length;

    /// <summary>
    /// Parses the field at the start of <paramref name="text"/>, which ends at a comma, a line
    /// break or the end; <paramref name="consumed"/> is the field's length (the terminator is not consumed).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParsePrefix(ReadOnlySpan<byte> text, out float value, out int consumed)
    {
        var i = SkipBlanks(text, 0);
        var negative = false;
        if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
        {
            negative = text[i] == (byte)'-';
            i++;
        }

        ulong mantissa = 0;
        var exponent = 0;
        var digits = 0;
        for (; i < text.Length && IsDigit(text[i]); i++)
        {
            mantissa = (mantissa * 10) + (uint)(text[i] - '0');
            digits++;
        }

        if (i < text.Length && text[i] == (byte)'.')
        {
            for (i++; i < text.Length && IsDigit(text[i]); i++)
            {
                mantissa = (mantissa * 10) + (uint)(text[i] - '0');
                digits++;
                exponent--;
            }
        }

        var exponentOk = true;
        if (i < text.Length && (text[i] == (byte)'e' || text[i] == (byte)'E'))
        {
            i++;
            var exponentNegative = false;
            if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
            {
                exponentNegative = text[i] == (byte)'-';
                i++;
            }

            var explicitExponent = 0;
            var exponentDigits = 0;
            for (; i < text.Length && IsDigit(text[i]) && exponentDigits < 4; i++, exponentDigits++)
            {
                explicitExponent = (explicitExponent * 10) + (text[i] - '0');
            }

            exponentOk = exponentDigits > 0;
            exponent += exponentNegative ? -explicitExponent : explicitExponent;
        }

        i = SkipBlanks(text, i);

        // At most 19 digits cannot have overflowed the mantissa; anything longer, odd or unusual takes the slow path.
        if (exponentOk && IsTerminator(text, i) && digits is > 0 and <= 19 && mantissa <= MaxExactMantissa && exponent is >= -10 and <= 10)
        {
            var magnitude = exponent < 0 ? mantissa / PowersOfTen[-exponent] : mantissa * PowersOfTen[exponent];
            value = negative ? -magnitude : magnitude;
            consumed = i;
            return true;
        }

        consumed = FieldLength(text);
        return float.TryParse(text[..consumed], NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>As <see cref="TryParsePrefix"/> for an integer (e.g. a class label).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseInt64Prefix(ReadOnlySpan<byte> text, out long value, out int consumed)
    {
        var i = SkipBlanks(text, 0);
        var negative = i < text.Length && text[i] == (byte)'-';
        if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
        {
            i++;
        }

        long magnitude = 0;
        var digits = 0;
        for (; i < text.Length && IsDigit(text[i]) && digits < 18; i++, digits++)
        {
            magnitude = (magnitude * 10) + (text[i] - '0');
        }

        i = SkipBlanks(text, i);
        if (digits > 0 && IsTerminator(text, i))
        {
            value = negative ? -magnitude : magnitude;
            consumed = i;
            return true;
        }

        consumed = FieldLength(text);
        return long.TryParse(text[..consumed], NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>Length of the field at the start of <paramref name="text"/>: up to a comma or a line feed.</summary>
    public static int FieldLength(ReadOnlySpan<byte> text)
    {
        var end = text.IndexOfAny((byte)',', (byte)'\n');
        return end < 0 ? text.Length : end;
    }

    private static bool IsTerminator(ReadOnlySpan<byte> text, int i) =>
        i == text.Length || text[i] == (byte)',' || text[i] == (byte)'\n' || text[i] == (byte)'\r';

    private static int SkipBlanks(ReadOnlySpan<byte> text, int i)
    {
        while (i < text.Length && (text[i] == (byte)' ' || text[i] == (byte)'\t'))
        {
            i++;
        }

        return i;
    }

    private static bool IsDigit(byte c) => (uint)(c - '0') <= 9;
}
