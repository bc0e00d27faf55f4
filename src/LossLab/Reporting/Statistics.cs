namespace LossLab.Reporting;

/// <summary>
/// The statistics of a multi-seed comparison: mean, sample standard deviation and a paired t-test whose p-value
/// comes from the Student t distribution, computed through the regularized incomplete beta function.
/// </summary>
public static class Statistics
{
    // Lanczos approximation, g = 7, nine terms: about 15 significant digits for x > 0.
    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>Arithmetic mean; at least one value.</summary>
    public static double Mean(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            throw new ArgumentException("at least one value is needed", nameof(values));
        }

        return values.Sum() / values.Count;
    }

    /// <summary>Sample standard deviation (divisor n − 1); NaN for a single value.</summary>
    public static double SampleStd(IReadOnlyList<double> values)
    {
        var mean = Mean(values);
        if (values.Count < 2)
        {
            return double.NaN;
        }

        var squares = values.Sum(v => (v - mean) * (v - mean));
        return Math.Sqrt(squares / (values.Count - 1));
    }

    /// <summary>Paired t-test of <paramref name="a"/> − <paramref name="b"/>, pairs matched by position.</summary>
    /// <param name="a">First sample, at least 2 values.</param>
    /// <param name="b">Second sample, as many values.</param>
    public static PairedTestResult PairedTTest(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Count != b.Count)
        {
            throw new ArgumentException($"paired samples need equal sizes, got {a.Count} and {b.Count}", nameof(b));
        }

        if (a.Count < 2)
        {
            throw new ArgumentException("a paired t-test needs at least 2 pairs", nameof(a));
        }

        var differences = a.Select((x, i) => x - b[i]).ToArray();
        var mean = Mean(differences);
        var sd = SampleStd(differences);
        var n = differences.Length;
        var df = n - 1;

        // Differences equal up to rounding (e.g. 0.7 − 0.6 and 0.8 − 0.7) count as equal, not as a huge finite t.
        var spread = sd > 1e-12 * Math.Abs(mean) ? sd : 0;
        double t = spread > 0 ? mean / (spread / Math.Sqrt(n)) : mean == 0 ? 0 : mean > 0 ? double.PositiveInfinity : double.NegativeInfinity;
        var cdf = StudentTCdf(t, df);
        var twoSided = Math.Min(1, 2 * Math.Min(cdf, 1 - cdf));
        return new PairedTestResult(n, mean, sd, t, df, twoSided, 1 - cdf);
    }

    /// <summary>Cumulative distribution function of Student's t with <paramref name="degreesOfFreedom"/> (&gt; 0) degrees of freedom.</summary>
    public static double StudentTCdf(double t, double degreesOfFreedom)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreesOfFreedom);
        if (double.IsNaN(t))
        {
            return double.NaN;
        }

        if (double.IsInfinity(t))
        {
            return t > 0 ? 1 : 0;
        }

        // P(T ≤ −|t|) = ½ I_{ν/(ν+t²)}(ν/2, ½).
        var tail = 0.5 * RegularizedIncompleteBeta(degreesOfFreedom / (degreesOfFreedom + (t * t)), degreesOfFreedom / 2, 0.5);
        return t > 0 ? 1 - tail : tail;
    }

    /// <summary>The regularized incomplete beta function I_x(a, b) for x in [0, 1], a, b &gt; 0.</summary>
    public static double RegularizedIncompleteBeta(double x, double a, double b)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(a);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(b);
        if (!(x >= 0 && x <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "must be in [0, 1]");
        }

        if (x == 0 || x == 1)
        {
            return x;
        }

        var logFront = (a * Math.Log(x)) + (b * Math.Log(1 - x)) - LogBeta(a, b);

        // The continued fraction converges fast for x < (a+1)/(a+b+2); otherwise use I_x(a,b) = 1 − I_{1−x}(b,a).
        return x < (a + 1) / (a + b + 2)
            ? Math.Exp(logFront) * BetaContinuedFraction(x, a, b) / a
            : 1 - (Math.Exp(logFront) * BetaContinuedFraction(1 - x, b, a) / b);
    }

    /// <summary>ln Γ(x) for x &gt; 0.</summary>
    public static double LogGamma(double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(x);
        if (x < 0.5)
        {
            // Reflection: Γ(x) Γ(1−x) = π / sin(πx).
            return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        }

        x -= 1;
        var sum = Lanczos[0];
        for (var i = 1; i < Lanczos.Length; i++)
        {
            sum += Lanczos[i] / (x + i);
        }

        var t = x + 7.5;
        return (0.5 * Math.Log(2 * Math.PI)) + ((x + 0.5) * Math.Log(t)) - t + Math.Log(sum);
    }

    private static double LogBeta(double a, double b) => LogGamma(a) + LogGamma(b) - LogGamma(a + b);

    /// <summary>The continued fraction of the incomplete beta function, by the modified Lentz method.</summary>
    private static double BetaContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300;
        const double Epsilon = 1e-15;
        var c = 1.0;
        var d = 1 - ((a + b) * x / (a + 1));
        d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
        var result = d;
        for (var m = 1; m <= 10_000; m++)
        {
            // Even step: d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
            var even = m * (b - m) * x / ((a + (2 * m) - 1) * (a + (2 * m)));
            d = 1 + (even * d);
            d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
            c = 1 + (even / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            result *= d * c;

            // Odd step: d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)).
            var odd = -(a + m) * (a + b + m) * x / ((a + (2 * m)) * (a + (2 * m) + 1));
            d = 1 + (odd * d);
            d = 1 / (Math.Abs(d) < Tiny ? Tiny : d);
            c = 1 + (odd / c);
            c = Math.Abs(c) < Tiny ? Tiny : c;
            var delta = d * c;
            result *= delta;
            if (Math.Abs(delta - 1) < Epsilon)
            {
                return result;
            }
        }

        return result;
    }
}
