namespace GFlowNetML.Conformance;

/// <summary>How thoroughly <see cref="EnvironmentConformance.Check"/> checks an environment.</summary>
public sealed class ConformanceOptions
{
    /// <summary>The seed of every random choice (walks, batch rows); default 0. Equal seeds give equal reports.</summary>
    public long Seed { get; set; }

    /// <summary>The number of random forward trajectories from s0 (at least 1; default 200). Even-numbered ones draw uniformly
    /// over the allowed actions; odd-numbered ones exit only when nothing else is allowed, to reach the deepest states.
    /// Their states feed the per-state checks, and as many uniform backward walks start from their terminal states.</summary>
    public int Trajectories { get; set; } = 200;

    /// <summary>The number of states in the batch that batched calls are compared with one-by-one calls on
    /// (at least 1; default 64).</summary>
    public int BatchSize { get; set; } = 64;

    /// <summary>When the enumeration holds at most this many states, every enumerated state goes through the per-state checks
    /// and the topological order of every edge is checked (at least 0; default 20,000).</summary>
    public int MaxExhaustiveStates { get; set; } = 20_000;

    /// <summary>The largest enumeration that is indexed (checked for duplicates, order on the sampled states' edges, and
    /// completeness); a larger one is only checked for s0 first (at least 1; default 1,048,576).</summary>
    public int MaxEnumeratedStates { get; set; } = 1 << 20;

    /// <summary>The number of failures listed per check; one more entry then counts the rest (at least 1; default 10).</summary>
    public int MaxFailuresPerCheck { get; set; } = 10;

    internal void Validate()
    {
        if (Trajectories < 1) throw new ArgumentOutOfRangeException(nameof(Trajectories), Trajectories, "Trajectories must be at least 1.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "BatchSize must be at least 1.");
        if (MaxExhaustiveStates < 0) throw new ArgumentOutOfRangeException(nameof(MaxExhaustiveStates), MaxExhaustiveStates, "MaxExhaustiveStates must be at least 0.");
        if (MaxEnumeratedStates < 1) throw new ArgumentOutOfRangeException(nameof(MaxEnumeratedStates), MaxEnumeratedStates, "MaxEnumeratedStates must be at least 1.");
        if (MaxFailuresPerCheck < 1) throw new ArgumentOutOfRangeException(nameof(MaxFailuresPerCheck), MaxFailuresPerCheck, "MaxFailuresPerCheck must be at least 1.");
    }
}
