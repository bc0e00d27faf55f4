using System.Globalization;
using System.Text;
using LossLab.Metrics;

namespace LossLab.Tests.Metrics;

public sealed class FloatTextTests
{
    [Fact]
    public void Should_MatchFrameworkParser_When_ParsingManyFormats()
    {
        // Given random floats of many magnitudes written in several formats, plus edge cases
        var rng = new Random(8);
        var texts = new List<string> { "0", "-0", "+1", "1.", ".5", "-.25e+3", "1e-10", "3E10", " 7.5 ", "16777216", "16777217", "0.000000000123", "1e39", "123456789012345678901" };
        string[] formats = ["G7", "R", "G9", "E3", "F6", "G3"];
        for (var i = 0; i < 5000; i++)
        {
            var v = (float)((rng.NextDouble() - 0.5) * Math.Pow(10, rng.Next(-12, 12)));
            texts.Add(v.ToString(formats[i % formats.Length], CultureInfo.InvariantCulture));
        }

        foreach (var text in texts)
        {
            // When both parsers read it
            var ok = FloatText.TryParse(Encoding.UTF8.GetBytes(text), out var fast);
            var expectedOk = float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var expected);

            // Then they agree bit for bit
            Assert.Equal(expectedOk, ok);
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(fast), $"'{text}': {fast:R} vs {expected:R}");
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("1e")]
    [InlineData("1.2.3")]
    [InlineData("abc")]
    [InlineData("1,5")]
    public void Should_Fail_When_TextIsNotANumber(string text)
    {
        // Given text that is not a number, when it is parsed, then parsing fails
        Assert.False(FloatText.TryParse(Encoding.UTF8.GetBytes(text), out _));
    }
}
