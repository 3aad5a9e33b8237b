using GFlowNetML.Environments;

namespace GFlowNetML.Conformance;

/// <summary>
/// The conformance kit for custom environments: checks that a <see cref="GFlowNetEnvironment"/> keeps the rules that
/// sampling, training and exact evaluation rely on, and says exactly what broke where it does not.
/// </summary>
/// <remarks>
/// <para>The states checked are those of seeded random forward walks from s0 (see <see cref="ConformanceOptions.Trajectories"/>)
/// plus, when the environment enumerates at most <see cref="ConformanceOptions.MaxExhaustiveStates"/> states, every
/// enumerated state. On them it checks, by name (<see cref="ConformanceCheck"/>):</para>
/// <list type="bullet">
/// <item>masks consistent with <c>Step</c> and <c>BackwardStep</c>: an allowed forward action leads to a new state whose
/// backward mask allows the way back (<c>ToBackwardActions</c>), an allowed backward action leads to a parent whose forward
/// mask allows the way forward (<c>ToForwardActions</c>); s0 has no backward action, every other state has one; a state with
/// no other action allows exit;</item>
/// <item>every forward step has a backward step back, and whole sampled trajectories reverse to the same states;</item>
/// <item>uniform backward sampling from terminal states reaches s0, and forward trajectories exit, within
/// <c>MaxTrajectoryLength</c>;</item>
/// <item>batched calls equal one-by-one calls and write every output (a batch of <see cref="ConformanceOptions.BatchSize"/>
/// diverse states);</item>
/// <item>log-rewards of terminal states finite (neither NaN nor ±∞); <c>Encode</c> finite and within its declared width;</item>
/// <item>the enumeration, when there is one: s0 first, no duplicates, every child after its parent, every reachable state in it.</item>
/// </list>
/// <para>Exceptions thrown by the environment are reported as failures of the check that made the call; the kit itself
/// does not throw on a broken environment. Typical use in a test: <c>EnvironmentConformance.Check(env).ThrowIfFailed()</c>.</para>
/// </remarks>
public static class EnvironmentConformance
{
    /// <summary>Checks an environment.</summary>
    /// <param name="environment">The environment to check.</param>
    /// <param name="options">How thoroughly; <c>null</c> uses the defaults of <see cref="ConformanceOptions"/>.</param>
    /// <returns>The report: <see cref="ConformanceReport.Passed"/> and the failures.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of its range.</exception>
    public static ConformanceReport Check(GFlowNetEnvironment environment, ConformanceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(environment);
        options ??= new ConformanceOptions();
        options.Validate();
        return new ConformanceRun(environment, options).Run();
    }
}
