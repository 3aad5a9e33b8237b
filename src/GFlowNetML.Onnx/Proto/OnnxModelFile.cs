using System.Runtime.InteropServices;
using Google.Protobuf;

namespace GFlowNetML.Onnx.Proto;

/// <summary>Writes a ModelProto (IR 8, opset 17 unless given) and reads back the parts a sampler model needs: the metadata, the
/// graph's bytes and its float initializers.</summary>
internal static class OnnxModelFile
{
    public const long IrVersion = 8;
    public const long Opset = 17;

    public static byte[] Write(OnnxGraph graph, IEnumerable<KeyValuePair<string, string>> metadata, string docString)
        => Write(graph, metadata, docString, Opset);

    /// <summary>The ModelProto of <paramref name="graph"/> importing the default domain at <paramref name="opset"/>
    /// (e.g. 20 for <c>StringConcat</c>).</summary>
    public static byte[] Write(OnnxGraph graph, IEnumerable<KeyValuePair<string, string>> metadata, string docString, long opset)
        => Write(graph.ToProto().ToArray(), metadata, docString, opset);

    public static byte[] Write(byte[] graphBytes, IEnumerable<KeyValuePair<string, string>> metadata, string docString)
        => Write(graphBytes, metadata, docString, Opset);

    private static byte[] Write(byte[] graphBytes, IEnumerable<KeyValuePair<string, string>> metadata, string docString, long opset)
    {
        var model = new ProtoMessage()
            .Int64(ProtoFields.Model.IrVersion, IrVersion)
            .String(ProtoFields.Model.ProducerName, "GFlowNetML")
            .String(ProtoFields.Model.ProducerVersion, typeof(OnnxModelFile).Assembly.GetName().Version?.ToString() ?? "0")
            .String(ProtoFields.Model.Domain, "ai.gflownetml")
            .Int64(ProtoFields.Model.ModelVersion, 1)
            .String(ProtoFields.Model.DocString, docString)
            .Bytes(ProtoFields.Model.Graph, graphBytes)
            .Message(ProtoFields.Model.OpsetImport, new ProtoMessage().String(ProtoFields.OperatorSetId.Domain, "").Int64(ProtoFields.OperatorSetId.Version, opset));
        foreach (var (key, value) in metadata)
            model.Message(ProtoFields.Model.MetadataProps, new ProtoMessage().String(ProtoFields.StringStringEntry.Key, key).String(ProtoFields.StringStringEntry.Value, value));
        return model.ToArray();
    }

    /// <summary>The parts of a ModelProto; throws <see cref="InvalidProtocolBufferException"/> on malformed bytes.</summary>
    public static (Dictionary<string, string> Metadata, byte[]? Graph) Read(byte[] bytes)
    {
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        byte[]? graph = null;
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            if (field == ProtoFields.Model.Graph && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                graph = input.ReadBytes().ToByteArray();
            else if (field == ProtoFields.Model.MetadataProps && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                var entry = new CodedInputStream(input.ReadBytes().ToByteArray());
                string key = "", value = "";
                uint t;
                while ((t = entry.ReadTag()) != 0)
                {
                    int f = WireFormat.GetTagFieldNumber(t);
                    if (f == ProtoFields.StringStringEntry.Key && WireFormat.GetTagWireType(t) == WireFormat.WireType.LengthDelimited) key = entry.ReadString();
                    else if (f == ProtoFields.StringStringEntry.Value && WireFormat.GetTagWireType(t) == WireFormat.WireType.LengthDelimited) value = entry.ReadString();
                    else entry.SkipLastField();
                }
                metadata[key] = value;
            }
            else input.SkipLastField();
        }
        return (metadata, graph);
    }

    /// <summary>The float initializers of a GraphProto by name, with their dimensions.</summary>
    public static Dictionary<string, (long[] Dims, float[] Values)> ReadFloatInitializers(byte[] graph)
    {
        var result = new Dictionary<string, (long[], float[])>(StringComparer.Ordinal);
        var input = new CodedInputStream(graph);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) != ProtoFields.Graph.Initializer || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
            {
                input.SkipLastField();
                continue;
            }
            var tensor = new CodedInputStream(input.ReadBytes().ToByteArray());
            var dims = new List<long>();
            int type = 0;
            string name = "";
            byte[] raw = [];
            uint t;
            while ((t = tensor.ReadTag()) != 0)
            {
                int f = WireFormat.GetTagFieldNumber(t);
                var wire = WireFormat.GetTagWireType(t);
                if (f == ProtoFields.Tensor.Dims && wire == WireFormat.WireType.Varint) dims.Add(tensor.ReadInt64());
                else if (f == ProtoFields.Tensor.Dims && wire == WireFormat.WireType.LengthDelimited)
                {
                    var packed = new CodedInputStream(tensor.ReadBytes().ToByteArray());
                    while (!packed.IsAtEnd) dims.Add(packed.ReadInt64());
                }
                else if (f == ProtoFields.Tensor.DataType && wire == WireFormat.WireType.Varint) type = tensor.ReadInt32();
                else if (f == ProtoFields.Tensor.Name && wire == WireFormat.WireType.LengthDelimited) name = tensor.ReadString();
                else if (f == ProtoFields.Tensor.RawData && wire == WireFormat.WireType.LengthDelimited) raw = tensor.ReadBytes().ToByteArray();
                else tensor.SkipLastField();
            }
            if (type != (int)OnnxType.Float || raw.Length % 4 != 0) continue;
            result[name] = (dims.ToArray(), MemoryMarshal.Cast<byte, float>(raw).ToArray());
        }
        return result;
    }
}
