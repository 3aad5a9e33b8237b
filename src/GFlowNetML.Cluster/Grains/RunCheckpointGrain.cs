namespace GFlowNetML.Cluster.Grains;

/// <summary>The stored checkpoint of one run.</summary>
[GenerateSerializer]
internal sealed class RunCheckpointState
{
    /// <summary>The lease allowed to write.</summary>
    [Id(0)] public Guid Token { get; set; }

    /// <summary>The iteration of the stored checkpoint (0: none).</summary>
    [Id(1)] public long Iteration { get; set; }

    /// <summary>The trainer's checkpoint bytes (<c>checkpoint.gfn</c>), or null.</summary>
    [Id(2)] public byte[]? Bytes { get; set; }
}

/// <summary>A run's checkpoint in grain storage (<see cref="IRunCheckpointGrain"/>).</summary>
internal sealed class RunCheckpointGrain(
    [PersistentState("checkpoint", GFlowNetSiloHost.StorageName)] IPersistentState<RunCheckpointState> state) : Grain, IRunCheckpointGrain
{
    public async Task<(long Iteration, byte[]? Bytes)> Assign(Guid token)
    {
        state.State.Token = token;
        await state.WriteStateAsync();
        return (state.State.Iteration, state.State.Bytes);
    }

    public async Task<bool> Save(Guid token, long iteration, byte[] bytes)
    {
        if (token != state.State.Token || iteration <= state.State.Iteration) return token == state.State.Token;
        state.State.Iteration = iteration;
        state.State.Bytes = bytes;
        await state.WriteStateAsync();
        return true;
    }

    public async Task Clear()
    {
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }
}
