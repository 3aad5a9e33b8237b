namespace GFlowNetML.Sampling;

/// <summary>An append-only buffer that hands out spans of its backing array (no per-item overhead).</summary>
internal sealed class GrowableArray<T>(int capacity = 256)
{
    private T[] _items = new T[Math.Max(capacity, 16)];

    public int Count { get; private set; }

    /// <summary>Appends <paramref name="count"/> default items and returns a span over them.</summary>
    public Span<T> Append(int count)
    {
        if (Count + count > _items.Length) Array.Resize(ref _items, Math.Max(_items.Length * 2, Count + count));
        var span = _items.AsSpan(Count, count);
        span.Clear();
        Count += count;
        return span;
    }

    public void Set(int index, T value) => _items[index] = value;

    public T[] ToArray() => _items.AsSpan(0, Count).ToArray();
}
