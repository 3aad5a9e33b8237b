using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace GFlowNetML.Torch.Networks;

/// <summary>Fast copies between host arrays and contiguous CPU float tensors (no per-element accessor).</summary>
internal static class TensorData
{
    /// <summary>A new [rows, columns] float tensor holding <paramref name="values"/>.</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> values, long rows, long columns)
    {
        if (values.Length != rows * columns) throw new ArgumentException($"Expected {rows * columns} values, got {values.Length}.", nameof(values));
        return Fill(empty(rows, columns, ScalarType.Float32), values);
    }

    /// <summary>A new one-dimensional float tensor holding <paramref name="values"/> (a leaf, not a view).</summary>
    public static Tensor FromSpan(ReadOnlySpan<float> values) => Fill(empty(values.Length, ScalarType.Float32), values);

    private static Tensor Fill(Tensor fresh, ReadOnlySpan<float> values)
    {
        values.CopyTo(MemoryMarshal.Cast<byte, float>(fresh.bytes));
        return fresh; // returned, so alive while the span over its storage is written
    }

    /// <summary>Copies a float tensor's values to a span (made contiguous first if needed).</summary>
    public static void CopyTo(Tensor source, Span<float> destination)
    {
        if (source.dtype == ScalarType.Float32 && source.is_contiguous() && !source.requires_grad)
        {
            MemoryMarshal.Cast<byte, float>(source.bytes).CopyTo(destination);
            GC.KeepAlive(source); // the span is over its native storage; an inline temporary could be finalized mid-copy
            return;
        }
        using var scope = NewDisposeScope();
        var t = source.detach();
        if (t.dtype != ScalarType.Float32) t = t.to_type(ScalarType.Float32);
        if (!t.is_contiguous()) t = t.contiguous();
        MemoryMarshal.Cast<byte, float>(t.bytes).CopyTo(destination);
    }

    /// <summary>A float tensor's values as a new array.</summary>
    public static float[] ToArray(Tensor source)
    {
        var result = new float[source.numel()];
        CopyTo(source, result);
        return result;
    }
}
