namespace GFlowNetML.Rewards;

/// <summary>The numerical pieces of the BGe score: log Γ, log-determinants by Cholesky, and an acyclicity check.</summary>
internal static class BGeMath
{
    private static readonly double HalfLogTwoPi = 0.5 * Math.Log(2 * Math.PI);

    /// <summary>log Γ(x) for x &gt; 0, to about 1e-15 relative: the recurrence Γ(x) = Γ(x + k)/(x(x+1)…(x+k−1)) lifts x to
    /// at least 15, where the Stirling series truncated after the x^−11 term is accurate to double precision.</summary>
    public static double LogGamma(double x)
    {
        if (!(x > 0) || double.IsInfinity(x)) throw new ArgumentOutOfRangeException(nameof(x), x, "LogGamma needs a finite x > 0.");
        double shift = 0;
        while (x < 15)
        {
            shift += Math.Log(x);
            x += 1;
        }
        double inverse = 1 / x, inverse2 = inverse * inverse;
        // Σ B_2k / (2k(2k−1) x^(2k−1)) for k = 1..6, in Horner form.
        double series = inverse * (1.0 / 12 + inverse2 * (-1.0 / 360 + inverse2 * (1.0 / 1260 + inverse2 * (-1.0 / 1680
            + inverse2 * (1.0 / 1188 + inverse2 * (-691.0 / 360360))))));
        return (x - 0.5) * Math.Log(x) - x + HalfLogTwoPi + series - shift;
    }

    /// <summary>log det of the symmetric positive definite submatrix M[indices, indices] of an n × n row-major matrix,
    /// by Cholesky factorisation (log det = 2 Σ log L_ii). The empty submatrix has log det 0.</summary>
    /// <exception cref="InvalidOperationException">The submatrix is not positive definite.</exception>
    public static double LogDeterminant(ReadOnlySpan<double> matrix, int n, ReadOnlySpan<int> indices)
    {
        int m = indices.Length;
        Span<double> l = m <= 16 ? stackalloc double[m * m] : new double[m * m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j <= i; j++) l[i * m + j] = matrix[indices[i] * n + indices[j]];
        double logDet = 0;
        for (int j = 0; j < m; j++)
        {
            double diagonal = l[j * m + j];
            for (int k = 0; k < j; k++) diagonal -= l[j * m + k] * l[j * m + k];
            if (!(diagonal > 0))
                throw new InvalidOperationException($"The BGe scatter submatrix over variables [{string.Join(", ", indices.ToArray())}] is not positive definite.");
            double pivot = Math.Sqrt(diagonal);
            l[j * m + j] = pivot;
            logDet += Math.Log(pivot);
            for (int i = j + 1; i < m; i++)
            {
                double value = l[i * m + j];
                for (int k = 0; k < j; k++) value -= l[i * m + k] * l[j * m + k];
                l[i * m + j] = value / pivot;
            }
        }
        return 2 * logDet;
    }

    /// <summary>Whether the graph whose node j has the parents <c>parentMasks[j]</c> (bit i: i → j) has no directed cycle
    /// (Kahn's algorithm: repeatedly remove the nodes all of whose parents are removed).</summary>
    public static bool IsAcyclic(ReadOnlySpan<int> parentMasks)
    {
        int n = parentMasks.Length, removed = 0, count = 0;
        bool progress = true;
        while (progress)
        {
            progress = false;
            for (int j = 0; j < n; j++)
                if ((removed >> j & 1) == 0 && (parentMasks[j] & ~removed) == 0)
                {
                    removed |= 1 << j;
                    count++;
                    progress = true;
                }
        }
        return count == n;
    }
}
