namespace GFlowNetML.Conformance;

/// <summary>Compares states (int vectors) by value.</summary>
internal sealed class StateComparer : IEqualityComparer<int[]>
{
    public static readonly StateComparer Instance = new();

    public bool Equals(int[]? x, int[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(int[] obj)
    {
        var hash = new HashCode();
        foreach (int v in obj) hash.Add(v);
        return hash.ToHashCode();
    }
}
