using System.Runtime.InteropServices;

namespace GFlowNetML.Onnx.Proto;

/// <summary>
/// Builds an ONNX GraphProto node by node. Constants go to the root graph's initializers (a Loop body refers to them
/// through the outer scope, so weights are stored once); value names are unique across the root and its subgraphs.
/// <see cref="Once"/> stores a large table once under a key, however many parts of the graph look it up.
/// </summary>
internal sealed class OnnxGraph
{
    private readonly List<ProtoMessage> _nodes = [];
    private readonly List<ProtoMessage> _initializers = [];
    private readonly List<ProtoMessage> _inputs = [];
    private readonly List<ProtoMessage> _outputs = [];
    private readonly OnnxGraph _root;
    private readonly Dictionary<string, string> _once = new(StringComparer.Ordinal);
    private int _counter;

    public OnnxGraph(string name)
    {
        Name = name;
        _root = this;
    }

    private OnnxGraph(string name, OnnxGraph root)
    {
        Name = name;
        _root = root;
    }

    public string Name { get; }

    /// <summary>A subgraph (a Loop body) whose constants live in this graph's root.</summary>
    public OnnxGraph Subgraph(string name) => new(name, _root);

    /// <summary>A fresh value name.</summary>
    public string Fresh(string hint) => $"{hint}_{_root._counter++}";

    /// <summary>Adds a node with one output and returns the output's name (a fresh one unless given).</summary>
    public string Node(string op, string[] inputs, string? output = null, params OnnxAttribute[] attributes)
    {
        output ??= Fresh(op.ToLowerInvariant());
        NodeMulti(op, inputs, [output], attributes);
        return output;
    }

    /// <summary>Adds a node with several outputs.</summary>
    public void NodeMulti(string op, string[] inputs, string[] outputs, params OnnxAttribute[] attributes)
    {
        var node = new ProtoMessage();
        foreach (var i in inputs) node.String(ProtoFields.Node.Input, i);
        foreach (var o in outputs) node.String(ProtoFields.Node.Output, o);
        node.String(ProtoFields.Node.Name, Fresh("node_" + op));
        node.String(ProtoFields.Node.OpType, op);
        foreach (var a in attributes) node.Message(ProtoFields.Node.Attribute, a.ToProto());
        _nodes.Add(node);
    }

    /// <summary>A float constant in the root graph.</summary>
    public string Constant(string hint, ReadOnlySpan<float> values, params long[] dims)
        => _root.AddConstant(hint, OnnxType.Float, MemoryMarshal.AsBytes(values).ToArray(), dims);

    /// <summary>An int64 constant in the root graph.</summary>
    public string Constant(string hint, ReadOnlySpan<long> values, params long[] dims)
        => _root.AddConstant(hint, OnnxType.Int64, MemoryMarshal.AsBytes(values).ToArray(), dims);

    /// <summary>A double constant in the root graph.</summary>
    public string Constant(string hint, ReadOnlySpan<double> values, params long[] dims)
        => _root.AddConstant(hint, OnnxType.Double, MemoryMarshal.AsBytes(values).ToArray(), dims);

    /// <summary>A bool constant in the root graph.</summary>
    public string Constant(string hint, ReadOnlySpan<bool> values, params long[] dims)
        => _root.AddConstant(hint, OnnxType.Bool, MemoryMarshal.AsBytes(values).ToArray(), dims);

    /// <summary>A string constant (UTF-8) in the root graph.</summary>
    public string StringConstant(string hint, IReadOnlyList<string> values, params long[] dims)
    {
        var t = new ProtoMessage();
        foreach (long d in dims) t.Int64(ProtoFields.Tensor.Dims, d);
        t.Int32(ProtoFields.Tensor.DataType, (int)OnnxType.String);
        foreach (var v in values) t.Bytes(ProtoFields.Tensor.StringData, System.Text.Encoding.UTF8.GetBytes(v));
        string name = Fresh(hint);
        t.String(ProtoFields.Tensor.Name, name);
        _root._initializers.Add(t);
        return name;
    }

    /// <summary>The value <paramref name="create"/> makes the first time <paramref name="key"/> is asked for (a large table
    /// is stored once however often the graph looks it up).</summary>
    public string Once(string key, Func<string> create)
    {
        var once = _root._once;
        if (!once.TryGetValue(key, out var name)) once[key] = name = create();
        return name;
    }

    private string AddConstant(string hint, OnnxType type, byte[] raw, long[] dims)
        => AddInitializer(Fresh(hint), type, raw, dims);

    /// <summary>A named float initializer in the root graph (weights), under exactly <paramref name="name"/>.</summary>
    public string NamedConstant(string name, ReadOnlySpan<float> values, params long[] dims)
        => _root.AddInitializer(name, OnnxType.Float, MemoryMarshal.AsBytes(values).ToArray(), dims);

    private string AddInitializer(string name, OnnxType type, byte[] raw, long[] dims)
    {
        _initializers.Add(Tensor(name, type, raw, dims));
        return name;
    }

    /// <summary>A TensorProto message (little-endian raw data).</summary>
    public static ProtoMessage Tensor(string name, OnnxType type, byte[] raw, long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian; this machine is not.");
        var t = new ProtoMessage();
        foreach (long d in dims) t.Int64(ProtoFields.Tensor.Dims, d);
        t.Int32(ProtoFields.Tensor.DataType, (int)type);
        if (name.Length > 0) t.String(ProtoFields.Tensor.Name, name);
        t.Bytes(ProtoFields.Tensor.RawData, raw);
        return t;
    }

    /// <summary>Declares a graph input. Dimensions are numbers, symbolic names (strings), or null for unknown; a null
    /// <paramref name="dims"/> leaves the rank unknown.</summary>
    public void Input(string name, OnnxType type, params object?[]? dims) => _inputs.Add(ValueInfo(name, type, dims));

    /// <summary>Declares a graph output (see <see cref="Input"/>).</summary>
    public void Output(string name, OnnxType type, params object?[]? dims) => _outputs.Add(ValueInfo(name, type, dims));

    private static ProtoMessage ValueInfo(string name, OnnxType type, object?[]? dims)
    {
        var tensorType = new ProtoMessage().Int32(ProtoFields.TensorType.ElemType, (int)type);
        if (dims is not null)
        {
            var shape = new ProtoMessage();
            foreach (var d in dims)
            {
                var dim = new ProtoMessage();
                if (d is string symbol) dim.String(ProtoFields.Dimension.DimParam, symbol);
                else if (d is not null) dim.Int64(ProtoFields.Dimension.DimValue, Convert.ToInt64(d, System.Globalization.CultureInfo.InvariantCulture));
                shape.Message(ProtoFields.TensorShape.Dim, dim);
            }
            tensorType.Message(ProtoFields.TensorType.Shape, shape);
        }
        return new ProtoMessage()
            .String(ProtoFields.ValueInfo.Name, name)
            .Message(ProtoFields.ValueInfo.Type, new ProtoMessage().Message(ProtoFields.Type.TensorType, tensorType));
    }

    /// <summary>The GraphProto.</summary>
    public ProtoMessage ToProto()
    {
        var g = new ProtoMessage();
        foreach (var n in _nodes) g.Message(ProtoFields.Graph.Node, n);
        g.String(ProtoFields.Graph.Name, Name);
        foreach (var i in _initializers) g.Message(ProtoFields.Graph.Initializer, i);
        foreach (var i in _inputs) g.Message(ProtoFields.Graph.Input, i);
        foreach (var o in _outputs) g.Message(ProtoFields.Graph.Output, o);
        return g;
    }
}

/// <summary>A node attribute (AttributeProto).</summary>
internal sealed class OnnxAttribute
{
    private readonly Action<ProtoMessage> _write;

    private OnnxAttribute(Action<ProtoMessage> write) => _write = write;

    public static OnnxAttribute Int(string name, long value) => new(m => m.String(ProtoFields.Attribute.Name, name)
        .Int32(ProtoFields.Attribute.Type, ProtoFields.Attribute.TypeInt).Int64(ProtoFields.Attribute.I, value));

    public static OnnxAttribute Float(string name, float value) => new(m => m.String(ProtoFields.Attribute.Name, name)
        .Int32(ProtoFields.Attribute.Type, ProtoFields.Attribute.TypeFloat).Float(ProtoFields.Attribute.F, value));

    public static OnnxAttribute Ints(string name, params long[] values) => new(m =>
    {
        m.String(ProtoFields.Attribute.Name, name).Int32(ProtoFields.Attribute.Type, ProtoFields.Attribute.TypeInts);
        foreach (long v in values) m.Int64(ProtoFields.Attribute.Ints, v);
    });

    public static OnnxAttribute Graph(string name, OnnxGraph graph) => new(m => m.String(ProtoFields.Attribute.Name, name)
        .Int32(ProtoFields.Attribute.Type, ProtoFields.Attribute.TypeGraph).Message(ProtoFields.Attribute.G, graph.ToProto()));

    /// <summary>A one-element tensor attribute (ConstantOfShape's value).</summary>
    public static OnnxAttribute Scalar(string name, OnnxType type, byte[] raw) => new(m => m.String(ProtoFields.Attribute.Name, name)
        .Int32(ProtoFields.Attribute.Type, ProtoFields.Attribute.TypeTensor).Message(ProtoFields.Attribute.T, OnnxGraph.Tensor("", type, raw, [1])));

    public ProtoMessage ToProto()
    {
        var m = new ProtoMessage();
        _write(m);
        return m;
    }
}
