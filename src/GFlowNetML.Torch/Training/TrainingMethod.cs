namespace GFlowNetML.Torch.Training;

/// <summary>The training methods GFlowNetML implements (Niu et al., ICML 2024, and the value-based baselines).</summary>
public enum TrainingMethod
{
    /// <summary>RL-U: the policy-gradient method of Niu et al. (ICML 2024) with a uniform backward policy, a learned
    /// critic and λ-advantages; strictly on-policy. CLI name <c>rl-u</c>.</summary>
    PolicyGradientUniform,

    /// <summary>TB: trajectory balance (Malkin et al. 2022), a value-based baseline; optional ε-uniform exploration and
    /// optional learned backward policy. CLI name <c>tb</c>.</summary>
    TrajectoryBalance,

    /// <summary>RL-B: RL-U's forward update plus a learned backward policy trained each iteration by policy gradient on
    /// J_B (backward trajectories from the batch's terminal states, its own critic, λ = 1). CLI name <c>rl-b</c>.</summary>
    PolicyGradientBackward,

    /// <summary>RL-G: RL-B with a guide π_G in place of π_F in the backward reward (see <c>GFlowNetGuide</c>).
    /// CLI name <c>rl-g</c>.</summary>
    PolicyGradientGuided,

    /// <summary>RL-T: the trust-region variant: one natural-gradient step per iteration on the policy-gradient surrogate
    /// (conjugate gradient on the Hessian of the mean KL, step size from δ, backtracking line search). CLI name <c>rl-t</c>.</summary>
    TrustRegion,

    /// <summary>DB: detailed balance (Bengio et al. 2023) with a learned log-flow head, a value-based baseline.
    /// CLI name <c>db</c>.</summary>
    DetailedBalance,

    /// <summary>SubTB(λ): sub-trajectory balance (Madan et al. 2023) with geometric-within weighting, a value-based
    /// baseline. CLI name <c>subtb</c>.</summary>
    SubTrajectoryBalance,

    /// <summary>FM: flow matching (Bengio et al. 2021) on edge flows, with a reward-matching term, a value-based
    /// baseline. CLI name <c>fm</c>.</summary>
    FlowMatching,
}

/// <summary>The short names of <see cref="TrainingMethod"/> used by the command line and in reports.</summary>
public static class TrainingMethodNames
{
    private static readonly (TrainingMethod Method, string Name)[] Names =
    [
        (TrainingMethod.PolicyGradientUniform, "rl-u"),
        (TrainingMethod.PolicyGradientBackward, "rl-b"),
        (TrainingMethod.PolicyGradientGuided, "rl-g"),
        (TrainingMethod.TrustRegion, "rl-t"),
        (TrainingMethod.TrajectoryBalance, "tb"),
        (TrainingMethod.DetailedBalance, "db"),
        (TrainingMethod.SubTrajectoryBalance, "subtb"),
        (TrainingMethod.FlowMatching, "fm"),
    ];

    /// <summary>The allowed names, comma-separated, for error messages.</summary>
    public static string Allowed => string.Join(", ", Names.Select(n => n.Name));

    /// <summary>The allowed variant names (<see cref="ParseVariant"/>), comma-separated, for error messages.</summary>
    public static string AllowedVariants
        => string.Join(", ", Names.SelectMany(n => n.Method.AllowsLearnedBackward() && !n.Method.AlwaysLearnsBackward()
            ? new[] { n.Name, n.Name + "-b" } : [n.Name]));

    /// <summary>The short name of a method, e.g. <c>rl-u</c>.</summary>
    public static string ToName(this TrainingMethod method)
        => Names.First(n => n.Method == method).Name;

    /// <summary>The name of a method together with its backward-policy choice, as in the paper's tables: <c>tb</c> for TB
    /// with a uniform P_B ("TB-U"), <c>tb-b</c> for TB with a learned one ("TB-B"); methods whose P_B is fixed by the
    /// method (RL-U, RL-B, RL-G, FM) keep their plain name.</summary>
    public static string ToVariantName(this TrainingMethod method, bool learnBackward)
        => method.ToName() + (learnBackward && !method.AlwaysLearnsBackward() ? "-b" : "");

    /// <summary>Whether the method can train a parameterised backward policy (TB, DB, SubTB, RL-T; RL-B and RL-G always do).</summary>
    public static bool AllowsLearnedBackward(this TrainingMethod method)
        => method is not (TrainingMethod.PolicyGradientUniform or TrainingMethod.FlowMatching);

    /// <summary>Whether the method always trains a parameterised backward policy (RL-B, RL-G).</summary>
    public static bool AlwaysLearnsBackward(this TrainingMethod method)
        => method is TrainingMethod.PolicyGradientBackward or TrainingMethod.PolicyGradientGuided;

    /// <summary>Whether the method is one of the paper's policy-gradient methods (strictly on-policy, ε = 0).</summary>
    public static bool IsPolicyGradient(this TrainingMethod method)
        => method is TrainingMethod.PolicyGradientUniform or TrainingMethod.PolicyGradientBackward
            or TrainingMethod.PolicyGradientGuided or TrainingMethod.TrustRegion;

    /// <summary>Parses a short name (case-insensitive); throws <see cref="ArgumentException"/> naming the allowed values.</summary>
    public static TrainingMethod Parse(string name)
    {
        foreach (var (method, n) in Names)
            if (string.Equals(n, name?.Trim(), StringComparison.OrdinalIgnoreCase)) return method;
        throw new ArgumentException($"Unknown training method '{name}'; allowed values: {Allowed}.", nameof(name));
    }

    /// <summary>Parses a variant name (<see cref="ToVariantName"/>): a method name, optionally with <c>-b</c> for a learned
    /// backward policy, e.g. <c>subtb-b</c>. Throws <see cref="ArgumentException"/> naming the allowed values.</summary>
    public static (TrainingMethod Method, bool LearnBackward) ParseVariant(string name)
    {
        string trimmed = name?.Trim() ?? "";
        foreach (var (method, n) in Names)
        {
            if (string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase)) return (method, method.AlwaysLearnsBackward());
            if (method.AllowsLearnedBackward() && !method.AlwaysLearnsBackward() && string.Equals(n + "-b", trimmed, StringComparison.OrdinalIgnoreCase))
                return (method, true);
        }
        throw new ArgumentException($"Unknown training method '{name}'; allowed values: {AllowedVariants}.", nameof(name));
    }
}
