namespace GFlowNetML.Onnx.Proto;

/// <summary>The field numbers of the onnx.proto messages GFlowNetML writes and reads (ONNX IR, onnx/onnx.proto).</summary>
internal static class ProtoFields
{
    public static class Model
    {
        public const int IrVersion = 1, ProducerName = 2, ProducerVersion = 3, Domain = 4, ModelVersion = 5, DocString = 6,
            Graph = 7, OpsetImport = 8, MetadataProps = 14;
    }

    public static class OperatorSetId { public const int Domain = 1, Version = 2; }

    public static class StringStringEntry { public const int Key = 1, Value = 2; }

    public static class Graph { public const int Node = 1, Name = 2, Initializer = 5, DocString = 10, Input = 11, Output = 12; }

    public static class Node { public const int Input = 1, Output = 2, Name = 3, OpType = 4, Attribute = 5, Domain = 7; }

    public static class Attribute
    {
        public const int Name = 1, F = 2, I = 3, S = 4, T = 5, G = 6, Floats = 7, Ints = 8, Type = 20;
        public const int TypeFloat = 1, TypeInt = 2, TypeString = 3, TypeTensor = 4, TypeGraph = 5, TypeFloats = 6, TypeInts = 7;
    }

    public static class Tensor { public const int Dims = 1, DataType = 2, StringData = 6, Name = 8, RawData = 9; }

    public static class ValueInfo { public const int Name = 1, Type = 2; }

    public static class Type { public const int TensorType = 1; }

    public static class TensorType { public const int ElemType = 1, Shape = 2; }

    public static class TensorShape { public const int Dim = 1; }

    public static class Dimension { public const int DimValue = 1, DimParam = 2; }
}

/// <summary>ONNX tensor element types (TensorProto.DataType).</summary>
internal enum OnnxType
{
    Float = 1,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Double = 11,
}
