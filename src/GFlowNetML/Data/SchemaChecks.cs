using Microsoft.ML;
using Microsoft.ML.Data;

namespace GFlowNetML.Data;

/// <summary>
/// Column checks with ML.NET's own wording and exception type: <c>Could not find {role} column '{name}'</c> and
/// <c>Schema mismatch for {role} column '{name}': expected {expected}, got {actual}</c>, both as
/// <see cref="ArgumentOutOfRangeException"/> whose parameter name is the schema argument.
/// </summary>
internal static class SchemaChecks
{
    /// <summary>ML.NET's "column not found" error.</summary>
    public static ArgumentOutOfRangeException Missing(string parameterName, string role, string name)
        => new(parameterName, $"Could not find {role} column '{name}'");

    /// <summary>ML.NET's "schema mismatch" error.</summary>
    public static ArgumentOutOfRangeException Mismatch(string parameterName, string role, string name, string expected, string actual)
        => new(parameterName, $"Schema mismatch for {role} column '{name}': expected {expected}, got {actual}");

    /// <summary>The column named <paramref name="name"/> (the visible one), checked with <paramref name="accepts"/>.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string parameterName, string role, string name, Func<DataViewType, bool> accepts, string expected)
    {
        ArgumentNullException.ThrowIfNull(schema, parameterName);
        var column = schema.GetColumnOrNull(name) ?? throw Missing(parameterName, role, name);
        if (!accepts(column.Type)) throw Mismatch(parameterName, role, name, expected, column.Type.ToString() ?? "?");
        return column;
    }

    /// <summary>The column named <paramref name="name"/> of a schema shape, checked with <paramref name="accepts"/>.</summary>
    public static SchemaShape.Column Find(SchemaShape shape, string parameterName, string role, string name, Func<SchemaShape.Column, bool> accepts, string expected)
    {
        ArgumentNullException.ThrowIfNull(shape, parameterName);
        SchemaShape.Column? found = null;
        foreach (var c in shape) if (c.Name == name) found = c;
        if (found is not SchemaShape.Column column) throw Missing(parameterName, role, name);
        if (!accepts(column)) throw Mismatch(parameterName, role, name, expected, Describe(column));
        return column;
    }

    /// <summary>A text scalar.</summary>
    public static bool IsText(DataViewType type) => type is TextDataViewType;

    /// <summary>A text scalar, in a schema shape.</summary>
    public static bool IsText(SchemaShape.Column column) => column.Kind == SchemaShape.Column.VectorKind.Scalar && !column.IsKey && column.ItemType is TextDataViewType;

    /// <summary>A Single or Double scalar.</summary>
    public static bool IsFloatingScalar(DataViewType type) => type == NumberDataViewType.Single || type == NumberDataViewType.Double;

    /// <summary>A Single or Double scalar, in a schema shape.</summary>
    public static bool IsFloatingScalar(SchemaShape.Column column)
        => column.Kind == SchemaShape.Column.VectorKind.Scalar && !column.IsKey && IsFloatingScalar(column.ItemType);

    /// <summary>A numeric scalar (any <see cref="NumberDataViewType"/>).</summary>
    public static bool IsNumericScalar(DataViewType type) => type is NumberDataViewType;

    /// <summary>A numeric scalar, in a schema shape.</summary>
    public static bool IsNumericScalar(SchemaShape.Column column)
        => column.Kind == SchemaShape.Column.VectorKind.Scalar && !column.IsKey && column.ItemType is NumberDataViewType;

    /// <summary>A numeric vector of known size.</summary>
    public static bool IsKnownSizeNumericVector(DataViewType type)
        => type is VectorDataViewType { IsKnownSize: true, ItemType: NumberDataViewType };

    /// <summary>How ML.NET prints a schema shape column's type: <c>Single</c>, <c>Vector&lt;Single&gt;</c>, <c>VarVector&lt;Single&gt;</c>, <c>Key&lt;UInt32&gt;</c>.</summary>
    public static string Describe(SchemaShape.Column column)
    {
        string item = column.ItemType.ToString() ?? "?";
        if (column.IsKey) item = $"Key<{item}>";
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}>",
            SchemaShape.Column.VectorKind.VariableVector => $"VarVector<{item}>",
            _ => item,
        };
    }

    /// <summary>A getter that reads any numeric scalar column of a cursor as a double.</summary>
    public static Func<double> NumericGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
        => Dispatch(column.Type.RawType, new ScalarGetter(cursor, column))
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' of type {column.Type} is not numeric.");

    /// <summary>A getter that reads a known-size numeric vector column of a cursor into a double array.</summary>
    public static Action<double[]> NumericVectorGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
        => Dispatch(((VectorDataViewType)column.Type).ItemType.RawType, new VectorGetter(cursor, column))
            ?? throw new ArgumentOutOfRangeException(nameof(column), $"Column '{column.Name}' of type {column.Type} is not a numeric vector.");

    /// <summary>Builds something for the numeric type ML.NET stores as <paramref name="raw"/> (float, double and the integer
    /// kinds), or returns null when the type is not numeric.</summary>
    private static TResult? Dispatch<TResult>(Type raw, INumericVisitor<TResult> visitor) where TResult : class
        => raw == typeof(float) ? visitor.Visit<float>()
            : raw == typeof(double) ? visitor.Visit<double>()
            : raw == typeof(int) ? visitor.Visit<int>()
            : raw == typeof(long) ? visitor.Visit<long>()
            : raw == typeof(short) ? visitor.Visit<short>()
            : raw == typeof(sbyte) ? visitor.Visit<sbyte>()
            : raw == typeof(byte) ? visitor.Visit<byte>()
            : raw == typeof(ushort) ? visitor.Visit<ushort>()
            : raw == typeof(uint) ? visitor.Visit<uint>()
            : raw == typeof(ulong) ? visitor.Visit<ulong>()
            : null;

    private interface INumericVisitor<out TResult>
    {
        TResult Visit<T>() where T : struct, System.Numerics.INumberBase<T>;
    }

    private sealed class ScalarGetter(DataViewRowCursor cursor, DataViewSchema.Column column) : INumericVisitor<Func<double>>
    {
        public Func<double> Visit<T>() where T : struct, System.Numerics.INumberBase<T>
        {
            var getter = cursor.GetGetter<T>(column);
            T value = default;
            return () => { getter(ref value); return double.CreateChecked(value); };
        }
    }

    private sealed class VectorGetter(DataViewRowCursor cursor, DataViewSchema.Column column) : INumericVisitor<Action<double[]>>
    {
        public Action<double[]> Visit<T>() where T : struct, System.Numerics.INumberBase<T>
        {
            var getter = cursor.GetGetter<VBuffer<T>>(column);
            VBuffer<T> value = default;
            return target =>
            {
                getter(ref value);
                int i = 0;
                foreach (var v in value.DenseValues()) target[i++] = double.CreateChecked(v);
            };
        }
    }
}
