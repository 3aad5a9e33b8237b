using System.Globalization;

namespace GFlowNetML.Tuning;

/// <summary>How a <see cref="SearchDimension"/> maps its option to the unit interval.</summary>
public enum SearchDimensionKind
{
    /// <summary>A numeric range <c>[Range(min, max, init, logBase)]</c>: linear on [min, max], or linear in log space when
    /// <c>logBase</c> is set; integers are rounded.</summary>
    Range,

    /// <summary>A choice of n values <c>[Choice(...)]</c>: [0, 1] is cut into n equal parts, value i on [i/n, (i+1)/n).</summary>
    Choice,

    /// <summary>A <c>[BooleanChoice]</c>: the choice of false and true.</summary>
    Boolean,
}

/// <summary>
/// One tunable option of a <see cref="SearchSpace"/>, read from its <c>[Range]</c>, <c>[Choice]</c> or <c>[BooleanChoice]</c>
/// attribute, and its map to [0, 1] as ML.NET's search space defines it.
/// </summary>
public sealed class SearchDimension
{
    private readonly object[] _choices;

    internal SearchDimension(string name, Type valueType, SearchDimensionKind kind, double min, double max, bool logBase, object[] choices, object defaultValue)
    {
        Name = name;
        ValueType = valueType;
        Kind = kind;
        Min = min;
        Max = max;
        LogBase = logBase;
        _choices = choices;
        DefaultValue = defaultValue;
        Default = ToUnit(defaultValue);
    }

    /// <summary>The name of the option (the field or property of the options type).</summary>
    public string Name { get; }

    /// <summary>The type of the option's value.</summary>
    public Type ValueType { get; }

    /// <summary>Range, choice or Boolean.</summary>
    public SearchDimensionKind Kind { get; }

    /// <summary>The lower end of a range (NaN for a choice).</summary>
    public double Min { get; }

    /// <summary>The upper end of a range (NaN for a choice).</summary>
    public double Max { get; }

    /// <summary>Whether a range maps to [0, 1] in log space.</summary>
    public bool LogBase { get; }

    /// <summary>The values of a choice, in order (empty for a range).</summary>
    public IReadOnlyList<object> Choices => _choices;

    /// <summary>The attribute's initial value (its <c>init</c> or default value; the lower end of a range, or the first
    /// choice, where the attribute gives none, as ML.NET does).</summary>
    public object DefaultValue { get; }

    /// <summary>The unit coordinate of <see cref="DefaultValue"/>.</summary>
    public double Default { get; }

    /// <summary>The option value at unit coordinate <paramref name="unit"/> (clamped to [0, 1]): a range is mapped linearly
    /// (or in log space) and rounded for integers; a choice of n values takes value ⌊u·n⌋ (n − 1 at u = 1).</summary>
    public object ToValue(double unit)
    {
        if (double.IsNaN(unit)) throw new ArgumentOutOfRangeException(nameof(unit), unit, $"The unit coordinate of '{Name}' must be a number in [0, 1].");
        double u = Math.Clamp(unit, 0, 1);
        if (Kind != SearchDimensionKind.Range)
            return _choices[Math.Min((int)Math.Floor(u * _choices.Length), _choices.Length - 1)];
        double value = LogBase ? Min * Math.Pow(Max / Min, u) : Min + u * (Max - Min);
        value = Math.Clamp(value, Min, Max); // the power can stray by an ulp
        return ConvertNumber(ValueType == typeof(int) || ValueType == typeof(long) ? Math.Round(value, MidpointRounding.AwayFromZero) : value);
    }

    /// <summary>The unit coordinate of an option value: the inverse of <see cref="ToValue"/> for a range (clamped to
    /// [0, 1]); the middle of value i's part, (i + ½)/n, for a choice.</summary>
    /// <exception cref="ArgumentException">The value is not one of the choices, or not a number for a range.</exception>
    public double ToUnit(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (Kind != SearchDimensionKind.Range)
        {
            int index = Array.FindIndex(_choices, c => Equals(c, value));
            if (index < 0)
                throw new ArgumentException($"'{Name}' is {Format(value)}, which is not one of its choices: {string.Join(", ", _choices.Select(Format))}.", nameof(value));
            return (index + 0.5) / _choices.Length;
        }
        double v;
        try { v = Convert.ToDouble(value, CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is InvalidCastException or FormatException)
        {
            throw new ArgumentException($"'{Name}' must be a number; got {Format(value)}.", nameof(value));
        }
        if (double.IsNaN(v)) throw new ArgumentException($"'{Name}' must be a number in [{Format(Min)}, {Format(Max)}]; got NaN.", nameof(value));
        v = Math.Clamp(v, Min, Max);
        double u = LogBase ? Math.Log(v / Min) / Math.Log(Max / Min) : (v - Min) / (Max - Min);
        return double.IsFinite(u) ? Math.Clamp(u, 0, 1) : 0;
    }

    /// <summary>The unit coordinate of a value given for the option (an initial point): a range's value must be a finite
    /// number within [<see cref="Min"/>, <see cref="Max"/>] (an integer for an integer option), a choice's one of its
    /// <see cref="Choices"/> (a number equal to one, or an enum's name). Nothing is clamped (but a value within 1e-6 of an end's magnitude
    /// beyond it, as a float's end read as a double is).
    /// The log map's round trip may miss the value by an ulp or two; <see cref="ExactValue"/> is the value itself.</summary>
    /// <exception cref="ArgumentException">The value is of the wrong kind or outside the range or the choices (the message
    /// names the option and what it allows).</exception>
    internal double CheckedUnit(object? value)
    {
        string allowed = Kind == SearchDimensionKind.Range
            ? $"{(ValueType == typeof(int) || ValueType == typeof(long) ? "an integer" : "a number")} in [{Format(Min)}, {Format(Max)}]{(LogBase ? " (log)" : "")}"
            : $"one of {string.Join(", ", _choices.Select(Format))}";
        if (value is null) throw new ArgumentException($"'{Name}' is null; it must be {allowed}.");
        if (Kind != SearchDimensionKind.Range)
        {
            int index = Array.FindIndex(_choices, c => Equals(c, value)
                || (c is Enum && value is string name && string.Equals(c.ToString(), name, StringComparison.OrdinalIgnoreCase))
                || (IsNumber(c) && IsNumber(value) && Convert.ToDouble(c, CultureInfo.InvariantCulture) == Convert.ToDouble(value, CultureInfo.InvariantCulture)));
            if (index < 0) throw new ArgumentException($"'{Name}' is {Format(value)}, which is not one of its choices: {string.Join(", ", _choices.Select(Format))}.");
            return (index + 0.5) / _choices.Length;
        }
        if (!IsNumber(value)) throw new ArgumentException($"'{Name}' is {Format(value)}; it must be {allowed}.");
        double v = Convert.ToDouble(value, CultureInfo.InvariantCulture);
        bool integer = ValueType == typeof(int) || ValueType == typeof(long);
        // A float option's ends as floats (1e-4 is 9.99999974737875E-05 as a float): a slack of 1e-6 of each end's magnitude.
        double low = integer ? Min : Min - 1e-6 * Math.Abs(Min), high = integer ? Max : Max + 1e-6 * Math.Abs(Max);
        if (!double.IsFinite(v) || v < low || v > high || (integer && v != Math.Round(v)))
            throw new ArgumentException($"'{Name}' is {Format(value)}, outside its range: it must be {allowed}.");
        return ToUnit(Math.Clamp(v, Min, Max));
    }

    /// <summary>A value given for the option (checked by <see cref="CheckedUnit"/>) as the option's own value: a range's as
    /// its type, a choice's as the choice it equals.</summary>
    internal object ExactValue(object value)
        => Kind == SearchDimensionKind.Range
            ? ConvertNumber(Math.Clamp(Convert.ToDouble(value, CultureInfo.InvariantCulture), Min, Max))
            : ToValue(CheckedUnit(value));

    private static bool IsNumber(object value) => value is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal;

    /// <summary>The number as the option's own type.</summary>
    private object ConvertNumber(double value)
        => ValueType == typeof(int) ? (object)(int)value
            : ValueType == typeof(long) ? (object)(long)value
            : ValueType == typeof(float) ? (object)(float)value
            : (object)value;

    /// <summary>A value as messages and reports show it (invariant culture, round-trip precision for doubles).</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <inheritdoc/>
    public override string ToString() => Kind == SearchDimensionKind.Range
        ? $"{Name} in [{Format(Min)}, {Format(Max)}]{(LogBase ? " (log)" : "")}, default {Format(DefaultValue)}"
        : $"{Name} in {{{string.Join(", ", _choices.Select(Format))}}}, default {Format(DefaultValue)}";
}
