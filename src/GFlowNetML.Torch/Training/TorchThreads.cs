namespace GFlowNetML.Torch.Training;

/// <summary>
/// Sets libtorch's intra-op thread count on the calling thread for a scope and restores the previous count when disposed.
/// libtorch keeps the count per thread (an OpenMP setting of the calling thread), so each trainer call applies its own.
/// </summary>
internal readonly struct TorchThreads : IDisposable
{
    private readonly int _previous;

    private TorchThreads(int previous) => _previous = previous;

    /// <summary>Uses <paramref name="threads"/> threads on this thread until the returned scope is disposed.</summary>
    public static TorchThreads Use(int threads)
    {
        int previous = TorchSharp.torch.get_num_threads();
        if (previous != threads) TorchSharp.torch.set_num_threads(threads);
        return new TorchThreads(previous);
    }

    /// <summary>Restores the thread count found when the scope began.</summary>
    public void Dispose()
    {
        if (_previous > 0 && TorchSharp.torch.get_num_threads() != _previous) TorchSharp.torch.set_num_threads(_previous);
    }
}
