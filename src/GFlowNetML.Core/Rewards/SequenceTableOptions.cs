namespace GFlowNetML.Rewards;

/// <summary>
/// How a <see cref="SequenceRewardTable"/> turns scores y into rewards, the paper's transform
/// y′ = max(y, R_min)^α, R = MaxReward · y′ / max y′, and which sequences count as modes.
/// The defaults are the paper's TFBind8 settings (α = 3, R_min = 1e-3, max R = 10, top 0.5% are modes).
/// </summary>
/// <remarks>
/// The paper's other tasks (note §4.1): <see cref="TFBind10"/> (PHO4; apply y → sigmoid(3y) to the raw scores first),
/// <see cref="Qm9"/> and <see cref="Seh"/>. With <c>with</c>: <c>SequenceTableOptions.Qm9 with { Alphabet = "…" }</c>.
/// </remarks>
public sealed record SequenceTableOptions
{
    /// <summary>The exponent α (finite, &gt; 0). Default 3 (TFBind8, PHO4; QM9 uses 5, sEH 6).</summary>
    public double Alpha { get; init; } = 3;

    /// <summary>The floor R_min applied to scores before the exponent (finite, ≥ 0). Default 1e-3 (TFBind8, QM9, sEH; PHO4 uses 0).
    /// Above 0 it makes every finite score valid, negative ones included (they get R_min's reward); at 0 every score must be
    /// above 0.</summary>
    public double MinimumScore { get; init; } = 1e-3;

    /// <summary>The largest reward after rescaling (finite, &gt; 0). Default 10.</summary>
    public double MaxReward { get; init; } = 10;

    /// <summary>The top fraction of the table that counts as modes, in (0, 1]: the ⌈fraction · |X|⌉ highest scores, and every
    /// sequence tied with the last of them (so ties at the cut can add modes). Default 0.005 (TFBind8: 328 of 65,536; sEH uses 0.001).</summary>
    public double ModeFraction { get; init; } = 0.005;

    /// <summary>The exact number of top-scoring sequences that are modes (at least 1, at most the table's size), instead of
    /// <see cref="ModeFraction"/>'s ⌈fraction · |X|⌉; ties with the last of them still count. <c>null</c> (the default) uses
    /// the fraction. QM9 sets 805, the int(0.005 · 161,051) of the paper's task, where ⌈·⌉ would give 806.</summary>
    public int? ModeCount { get; init; }

    /// <summary>A name per token (non-empty, without white space), shown next to sequences in printed and written output
    /// (<see cref="SequenceReward.TokenNames"/>), or <c>null</c> for none. QM9 names its building blocks by their SMILES.</summary>
    public IReadOnlyList<string>? TokenNames { get; init; }

    /// <summary>One distinct character per token, or <c>null</c> for the default (<c>ACGT</c> for 4 tokens, otherwise the first
    /// K of <c>0–9, A–Z, a–z</c>).</summary>
    public string? Alphabet { get; init; }

    /// <summary>TFBind8 (SIX6): α = 3, R_min = 1e-3, max R = 10, top 0.5% (the defaults).</summary>
    public static SequenceTableOptions TFBind8 => new();

    /// <summary>TFBind10 (PHO4): α = 3, R_min = 0, max R = 10, top 0.5%; the scores must be sigmoid(3y) of the raw values.</summary>
    public static SequenceTableOptions TFBind10 => new() { MinimumScore = 0 };

    /// <summary>The SMILES of QM9's 11 building blocks, by token: 0 <c>C</c>, 1 <c>O</c>, 2 <c>N</c>, 3 <c>C-F</c>, 4 <c>C=O</c>,
    /// 5 <c>C=C</c>, 6 <c>C#C</c>, 7 <c>c1ccccc1</c>, 8 <c>C1CCCCC1</c>, 9 <c>C1CCNC1</c>, 10 <c>CCC</c> (the authors'
    /// <c>block_qm9str_v1.json</c>).</summary>
    public static IReadOnlyList<string> Qm9Blocks { get; } = Array.AsReadOnly(["C", "O", "N", "C-F", "C=O", "C=C", "C#C", "c1ccccc1", "C1CCCCC1", "C1CCNC1", "CCC"]);

    /// <summary>QM9 (K = 11, L = 5), the paper's settings: α = 5, R_min = 1e-3, max R = 10, the top 805 sequences (0.5 %,
    /// rounded down as the paper's task does) as modes, the alphabet <c>0123456789a</c> of the oracle table's file and
    /// <see cref="Qm9Blocks"/> as token names. <see cref="SequenceRewardTable.LoadQm9"/> loads the shipped table with them.</summary>
    public static SequenceTableOptions Qm9 => new() { Alpha = 5, ModeCount = 805, Alphabet = "0123456789a", TokenNames = Qm9Blocks };

    /// <summary>sEH (K = 18, L = 6): α = 6, R_min = 1e-3, max R = 10, top 0.1%.</summary>
    public static SequenceTableOptions Seh => new() { Alpha = 6, ModeFraction = 0.001 };

    /// <summary>Throws when an option is outside its range.</summary>
    internal void Validate()
    {
        if (!(Alpha > 0) || double.IsInfinity(Alpha))
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be a finite number greater than 0.");
        if (!(MinimumScore >= 0) || double.IsInfinity(MinimumScore))
            throw new ArgumentOutOfRangeException(nameof(MinimumScore), MinimumScore, "MinimumScore must be a finite number of at least 0.");
        if (!(MaxReward > 0) || double.IsInfinity(MaxReward))
            throw new ArgumentOutOfRangeException(nameof(MaxReward), MaxReward, "MaxReward must be a finite number greater than 0.");
        if (!(ModeFraction > 0 && ModeFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(ModeFraction), ModeFraction, "ModeFraction must be in (0, 1].");
        if (ModeCount < 1)
            throw new ArgumentOutOfRangeException(nameof(ModeCount), ModeCount, "ModeCount must be at least 1 (or null to use ModeFraction).");
        if (TokenNames is not null)
            foreach (string name in TokenNames)
                if (string.IsNullOrEmpty(name) || name.Any(char.IsWhiteSpace))
                    throw new ArgumentException($"TokenNames holds '{name}'; a token name must be non-empty and without white space.", nameof(TokenNames));
    }

    /// <summary>Throws when an option is outside its range or does not fit a table of <paramref name="tokens"/> tokens.</summary>
    internal void Validate(int tokens)
    {
        Validate();
        if (TokenNames is not null && TokenNames.Count != tokens)
            throw new ArgumentException($"TokenNames has {TokenNames.Count} names; the table has {tokens} tokens, and needs one name per token.", nameof(TokenNames));
    }
}
