namespace GFlowNetML.Tuning;

/// <summary>Random search: every coordinate of every proposal uniform on [0, 1], from a seeded generator (the same seed
/// proposes the same points). <see cref="Update"/> is ignored.</summary>
public sealed class RandomSearchTuner : ITuner
{
    private readonly int _dimensions;
    private readonly Random _random;

    /// <summary>A random-search tuner over <paramref name="searchSpace"/>.</summary>
    /// <param name="searchSpace">The space the points belong to.</param>
    /// <param name="seed">The seed of the proposals.</param>
    public RandomSearchTuner(SearchSpace searchSpace, int seed = 0)
    {
        ArgumentNullException.ThrowIfNull(searchSpace);
        _dimensions = searchSpace.Count;
        _random = new Random(seed);
    }

    /// <inheritdoc/>
    public double[] Propose(TrialSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var point = new double[_dimensions];
        for (int i = 0; i < point.Length; i++) point[i] = _random.NextDouble();
        return point;
    }

    /// <inheritdoc/>
    public void Update(TrialResult result) => ArgumentNullException.ThrowIfNull(result);
}
