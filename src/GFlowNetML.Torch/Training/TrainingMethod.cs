namespace GFlowNetML.Torch.Training;

/// <summary>The training methods GFlowNetML implements.</summary>
public enum TrainingMethod
{
    /// <summary>RL-U: the policy-gradient method of Niu et al. (ICML 2024) with a uniform backward policy, a learned
    /// critic and λ-advantages; strictly on-policy. CLI name <c>rl-u</c>.</summary>
    PolicyGradientUniform,

    /// <summary>TB: trajectory balance (Malkin et al. 2022) with a uniform backward policy, the value-based baseline;
    /// optional ε-uniform exploration. CLI name <c>tb</c>.</summary>
    TrajectoryBalance,
}

/// <summary>The short names of <see cref="TrainingMethod"/> used by the command line and in reports.</summary>
public static class TrainingMethodNames
{
    private static readonly (TrainingMethod Method, string Name)[] Names =
    [
        (TrainingMethod.PolicyGradientUniform, "rl-u"),
        (TrainingMethod.TrajectoryBalance, "tb"),
    ];

    /// <summary>The allowed names, comma-separated, for error messages.</summary>
    public static string Allowed => string.Join(", ", Names.Select(n => n.Name));

    /// <summary>The short name of a method, e.g. <c>rl-u</c>.</summary>
    public static string ToName(this TrainingMethod method)
        => Names.First(n => n.Method == method).Name;

    /// <summary>Parses a short name (case-insensitive); throws <see cref="ArgumentException"/> naming the allowed values.</summary>
    public static TrainingMethod Parse(string name)
    {
        foreach (var (method, n) in Names)
            if (string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase)) return method;
        throw new ArgumentException($"Unknown training method '{name}'; allowed values: {Allowed}.", nameof(name));
    }
}
