namespace GFlowNetML.Evaluation;

/// <summary>Distances between two distributions over the same finite set, in the conventions GFlowNetML reports.</summary>
public static class DistributionMetrics
{
    /// <summary>The total variation distance ½·Σ|p − q| (in [0, 1]; torchgfn's "L1" is twice this).</summary>
    public static double TotalVariation(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        CheckSameLength(p, q);
        double sum = 0;
        for (int i = 0; i < p.Length; i++) sum += Math.Abs(p[i] - q[i]);
        return 0.5 * sum;
    }

    /// <summary>The Jensen–Shannon divergence ½KL(p‖m) + ½KL(q‖m), m = (p+q)/2, in nats (in [0, ln 2]), with 0·log 0 = 0.</summary>
    public static double JensenShannon(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        CheckSameLength(p, q);
        double sum = 0;
        for (int i = 0; i < p.Length; i++)
        {
            double m = 0.5 * (p[i] + q[i]);
            if (p[i] > 0) sum += 0.5 * p[i] * Math.Log(p[i] / m);
            if (q[i] > 0) sum += 0.5 * q[i] * Math.Log(q[i] / m);
        }
        return Math.Max(0, sum);
    }

    private static void CheckSameLength(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        if (p.Length != q.Length) throw new ArgumentException($"The distributions have different supports ({p.Length} and {q.Length} entries).");
    }
}
