using System.Runtime.InteropServices;
using System.Text;

namespace GFlowNetML.Sampling;

/// <summary>ONNX tensor element types used by the sampling graphs.</summary>
internal enum OnnxElement
{
    Float = 1,
    String = 8,
    Int64 = 7,
    Bool = 9,
    Double = 11,
}

/// <summary>
/// A minimal writer of ONNX ModelProto bytes (protobuf wire format, written by hand): nodes with int/float/ints/tensor
/// attributes, initializers, and inputs/outputs with static or symbolic dimensions. Value names are made unique.
/// </summary>
internal sealed class OnnxBuilder
{
    private readonly List<byte[]> _nodes = [];
    private readonly List<byte[]> _initializers = [];
    private readonly List<byte[]> _inputs = [];
    private readonly List<byte[]> _outputs = [];
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private int _counter;

    /// <summary>The value <paramref name="create"/> makes the first time <paramref name="key"/> is asked for (big tables are
    /// embedded once however often the unrolled loop uses them).</summary>
    public string Once(string key, Func<string> create)
    {
        if (!_constants.TryGetValue("once:" + key, out var name)) _constants["once:" + key] = name = create();
        return name;
    }

    /// <summary>A fresh value name.</summary>
    public string Fresh(string hint) => $"{hint}_{_counter++}";

    /// <summary>Adds a node with one output; returns the output name.</summary>
    public string Node(string op, string[] inputs, params (string Name, object Value)[] attributes)
    {
        string output = Fresh(op.ToLowerInvariant());
        NodeTo(op, inputs, output, attributes);
        return output;
    }

    /// <summary>Adds a node writing the given output name.</summary>
    public void NodeTo(string op, string[] inputs, string output, params (string Name, object Value)[] attributes)
    {
        var node = new Proto();
        foreach (var i in inputs) node.String(1, i);
        node.String(2, output);
        node.String(3, Fresh("n_" + op));
        node.String(4, op);
        foreach (var (name, value) in attributes) node.Message(5, Attribute(name, value));
        _nodes.Add(node.ToArray());
    }

    /// <summary>An int64 constant.</summary>
    public string Int64(string hint, long[] values, params long[] dims)
        => Initializer(hint, OnnxElement.Int64, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    /// <summary>A float constant.</summary>
    public string Float(string hint, float[] values, params long[] dims)
        => Initializer(hint, OnnxElement.Float, MemoryMarshal.AsBytes(values.AsSpan()).ToArray(), dims);

    /// <summary>A bool constant.</summary>
    public string Bool(string hint, bool[] values, params long[] dims)
        => Initializer(hint, OnnxElement.Bool, values.Select(b => b ? (byte)1 : (byte)0).ToArray(), dims);

    /// <summary>A string constant.</summary>
    public string Strings(string hint, string[] values, params long[] dims)
    {
        string name = Fresh(hint);
        var t = new Proto();
        foreach (long d in dims) t.Varint(1, (ulong)d);
        t.Varint(2, (ulong)OnnxElement.String);
        foreach (var v in values) t.Bytes(6, Encoding.UTF8.GetBytes(v));
        t.String(8, name);
        _initializers.Add(t.ToArray());
        return name;
    }

    private string Initializer(string hint, OnnxElement type, byte[] raw, long[] dims)
    {
        // Small constants are shared by content (the loop is unrolled, so the same axes and scalars recur).
        string? key = raw.Length <= 256 ? $"{hint}|{(int)type}|{string.Join(',', dims)}|{Convert.ToBase64String(raw)}" : null;
        if (key is not null && _constants.TryGetValue(key, out var existing)) return existing;
        string name = Fresh(hint);
        _initializers.Add(Tensor(name, type, raw, dims));
        if (key is not null) _constants[key] = name;
        return name;
    }

    /// <summary>Declares a graph input; a dimension is a long (static) or a string (symbolic).</summary>
    public void Input(string name, OnnxElement type, params object[] dims) => _inputs.Add(ValueInfo(name, type, dims));

    /// <summary>Declares a graph output.</summary>
    public void Output(string name, OnnxElement type, params object[] dims) => _outputs.Add(ValueInfo(name, type, dims));

    /// <summary>The ModelProto bytes (IR 8, the default domain at <paramref name="opset"/>).</summary>
    public byte[] ToModel(string graphName, int opset, IEnumerable<KeyValuePair<string, string>> metadata, string doc)
    {
        var graph = new Proto();
        foreach (var n in _nodes) graph.Message(1, n);
        graph.String(2, graphName);
        foreach (var i in _initializers) graph.Message(5, i);
        foreach (var i in _inputs) graph.Message(11, i);
        foreach (var o in _outputs) graph.Message(12, o);
        var model = new Proto();
        model.Varint(1, 8);
        model.String(2, "GFlowNetML");
        model.String(6, doc);
        model.Message(7, graph.ToArray());
        var opsetId = new Proto();
        opsetId.String(1, "");
        opsetId.Varint(2, (ulong)opset);
        model.Message(8, opsetId.ToArray());
        foreach (var (key, value) in metadata)
        {
            var entry = new Proto();
            entry.String(1, key);
            entry.String(2, value);
            model.Message(14, entry.ToArray());
        }
        return model.ToArray();
    }

    private static byte[] Tensor(string name, OnnxElement type, byte[] raw, long[] dims)
    {
        var t = new Proto();
        foreach (long d in dims) t.Varint(1, (ulong)d);
        t.Varint(2, (ulong)type);
        t.String(8, name);
        t.Bytes(9, raw);
        return t.ToArray();
    }

    private static byte[] ValueInfo(string name, OnnxElement type, object[] dims)
    {
        var shape = new Proto();
        foreach (var d in dims)
        {
            var dim = new Proto();
            if (d is string symbol) dim.String(2, symbol);
            else dim.Varint(1, (ulong)Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
            shape.Message(1, dim.ToArray());
        }
        var tensorType = new Proto();
        tensorType.Varint(1, (ulong)type);
        tensorType.Message(2, shape.ToArray());
        var typeProto = new Proto();
        typeProto.Message(1, tensorType.ToArray());
        var info = new Proto();
        info.String(1, name);
        info.Message(2, typeProto.ToArray());
        return info.ToArray();
    }

    private static byte[] Attribute(string name, object value)
    {
        var a = new Proto();
        a.String(1, name);
        switch (value)
        {
            case long i:
                a.Varint(3, (ulong)i);
                a.Varint(20, 2);
                break;
            case int i:
                a.Varint(3, (ulong)(long)i);
                a.Varint(20, 2);
                break;
            case float f:
                a.Fixed32(2, BitConverter.SingleToUInt32Bits(f));
                a.Varint(20, 1);
                break;
            case long[] ints:
                foreach (long i in ints) a.Varint(8, (ulong)i);
                a.Varint(20, 7);
                break;
            case TensorValue t:
                a.Message(5, Tensor(name + "_value", t.Type, t.Raw, t.Dims));
                a.Varint(20, 4);
                break;
            default:
                throw new ArgumentException($"Unsupported attribute value {value}.", nameof(value));
        }
        return a.ToArray();
    }

    /// <summary>A tensor attribute value (e.g. ConstantOfShape's <c>value</c>).</summary>
    public sealed record TensorValue(OnnxElement Type, byte[] Raw, long[] Dims)
    {
        /// <summary>A one-element tensor.</summary>
        public static TensorValue Scalar(long v) => new(OnnxElement.Int64, BitConverter.GetBytes(v), [1]);

        /// <summary>A one-element float tensor.</summary>
        public static TensorValue Scalar(float v) => new(OnnxElement.Float, BitConverter.GetBytes(v), [1]);

        /// <summary>A one-element bool tensor.</summary>
        public static TensorValue Scalar(bool v) => new(OnnxElement.Bool, [v ? (byte)1 : (byte)0], [1]);
    }

    /// <summary>Protobuf wire-format writer.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _stream = new();

        public void Varint(int field, ulong value)
        {
            Key(field, 0);
            Raw(value);
        }

        public void Fixed32(int field, uint value)
        {
            Key(field, 5);
            Span<byte> b = stackalloc byte[4];
            BitConverter.TryWriteBytes(b, value);
            _stream.Write(b);
        }

        public void String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public void Message(int field, byte[] message) => Bytes(field, message);

        public void Bytes(int field, byte[] bytes)
        {
            Key(field, 2);
            Raw((ulong)bytes.Length);
            _stream.Write(bytes);
        }

        public byte[] ToArray() => _stream.ToArray();

        private void Key(int field, int wire) => Raw(((ulong)field << 3) | (uint)wire);

        private void Raw(ulong value)
        {
            while (value >= 0x80)
            {
                _stream.WriteByte((byte)(value | 0x80));
                value >>= 7;
            }
            _stream.WriteByte((byte)value);
        }
    }
}
