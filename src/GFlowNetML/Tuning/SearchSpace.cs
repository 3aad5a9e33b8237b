using System.Globalization;
using System.Reflection;
using Microsoft.ML.SearchSpace;

namespace GFlowNetML.Tuning;

/// <summary>
/// The tunable options of an options type, read by reflection from the <c>[Range]</c>, <c>[Choice]</c> and
/// <c>[BooleanChoice]</c> attributes (Microsoft.ML.SearchSpace) on its public fields and properties, each mapped to [0, 1]
/// as ML.NET's AutoML search space maps it. A point of the space is a vector of unit coordinates, one per
/// <see cref="Dimensions"/> entry in declaration order (base-class options first); tuners propose such points and
/// <see cref="Sample{TOptions}"/> turns one into options.
/// </summary>
public sealed class SearchSpace
{
    private readonly MemberInfo[] _members;
    private readonly string[] _excluded;

    /// <summary>The search space of <paramref name="optionsType"/>'s attributed options, less <paramref name="exclude"/>.</summary>
    /// <param name="optionsType">A class whose public instance fields or properties carry the search-space attributes.</param>
    /// <param name="exclude">Options to leave out (kept at the base options' values), by name (case-insensitive).</param>
    /// <exception cref="ArgumentException">An excluded name is not a tunable option, or an attribute is invalid (min ≥ max, a
    /// log range that does not lie above 0, an empty choice, a default outside the range or choices).</exception>
    public SearchSpace(Type optionsType, IEnumerable<string>? exclude = null)
    {
        ArgumentNullException.ThrowIfNull(optionsType);
        if (!optionsType.IsClass) throw new ArgumentException($"The options type must be a class; got {optionsType.Name}.", nameof(optionsType));
        OptionsType = optionsType;
        var all = Members(optionsType).ToList();
        var excluded = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in exclude ?? [])
        {
            if (!all.Any(m => string.Equals(m.Member.Name, name, StringComparison.OrdinalIgnoreCase)))
                throw new ArgumentException($"'{name}' is not a tunable option of {optionsType.Name}; tunable: {string.Join(", ", all.Select(m => m.Member.Name))}.", nameof(exclude));
            excluded.Add(name);
        }
        _excluded = excluded.ToArray();
        var kept = all.Where(m => !excluded.Contains(m.Member.Name)).ToArray();
        _members = kept.Select(m => m.Member).ToArray();
        Dimensions = kept.Select(m => m.Dimension).ToArray();
    }

    /// <summary>The search space of <typeparamref name="TOptions"/>, less <paramref name="exclude"/>.</summary>
    /// <param name="exclude">Options to leave out (kept at the base options' values), by name (case-insensitive).</param>
    public static SearchSpace For<TOptions>(params string[] exclude) where TOptions : class => new(typeof(TOptions), exclude);

    /// <summary>The options type the space was read from.</summary>
    public Type OptionsType { get; }

    /// <summary>The tunable options, in declaration order (base-class options first).</summary>
    public IReadOnlyList<SearchDimension> Dimensions { get; }

    /// <summary>The number of dimensions d.</summary>
    public int Count => Dimensions.Count;

    /// <summary>The default point: the unit coordinates of the attributes' initial values.</summary>
    public double[] Default => Dimensions.Select(d => d.Default).ToArray();

    /// <summary>The same space without the options named in <paramref name="names"/>.</summary>
    public SearchSpace Without(params string[] names)
        => new(OptionsType, _excluded.Concat(names ?? []));

    /// <summary>A copy of <paramref name="baseOptions"/> (a shallow copy of its runtime type) with every tuned option set to
    /// its value at <paramref name="unit"/> (coordinates clamped to [0, 1]; integers rounded).</summary>
    /// <exception cref="ArgumentException"><paramref name="unit"/> does not have <see cref="Count"/> coordinates, holds a
    /// NaN, or <paramref name="baseOptions"/> is not an instance of <see cref="OptionsType"/>.</exception>
    public TOptions Sample<TOptions>(IReadOnlyList<double> unit, TOptions baseOptions) where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(unit);
        ArgumentNullException.ThrowIfNull(baseOptions);
        CheckInstance(baseOptions, nameof(baseOptions));
        if (unit.Count != Count)
            throw new ArgumentException($"The point has {unit.Count} coordinates; the search space of {OptionsType.Name} has {Count} ({string.Join(", ", Dimensions.Select(d => d.Name))}).", nameof(unit));
        for (int i = 0; i < unit.Count; i++)
            if (double.IsNaN(unit[i])) throw new ArgumentException($"Coordinate {i} ({Dimensions[i].Name}) of the point is NaN; coordinates lie in [0, 1].", nameof(unit));
        var copy = (TOptions)CloneMethod.Invoke(baseOptions, null)!;
        for (int i = 0; i < Count; i++) SetValue(_members[i], copy, Dimensions[i].ToValue(unit[i]));
        return copy;
    }

    /// <summary>The point of <paramref name="options"/>: the unit coordinate of each tuned option's value (ranges clamped to
    /// their ends; a choice at the middle of its part).</summary>
    /// <exception cref="ArgumentException">A choice option holds a value that is not one of its choices.</exception>
    public double[] ToUnit(object options)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckInstance(options, nameof(options));
        var unit = new double[Count];
        for (int i = 0; i < Count; i++) unit[i] = Dimensions[i].ToUnit(GetValue(_members[i], options)!);
        return unit;
    }

    /// <summary>The point of the option values <paramref name="values"/>, by option name (case-insensitive): the way to give
    /// known configurations as initial points (<see cref="GFlowNetExperiment.SetInitialPoints(IReadOnlyDictionary{string, object}[])"/>).
    /// An option that is not named takes its default, the attribute's initial value (<see cref="SearchDimension.DefaultValue"/>).
    /// Every value is checked, never clamped: a range's value must be a finite number within the range (an integer for an
    /// integer option), a choice's one of its choices.</summary>
    /// <exception cref="ArgumentException">A name is not an option of the space, or a value is of the wrong kind or outside
    /// the option's range or choices; the message names the option and what it allows.</exception>
    public double[] Point(IReadOnlyDictionary<string, object> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var unit = Default;
        var seen = new HashSet<int>();
        foreach (var (name, value) in values.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            int i = -1;
            for (int j = 0; j < Count && i < 0; j++)
                if (string.Equals(Dimensions[j].Name, name, StringComparison.OrdinalIgnoreCase)) i = j;
            if (i < 0)
                throw new ArgumentException($"'{name}' is not a tuned option of this search space; tuned: {string.Join(", ", Dimensions.Select(d => d.Name))}.");
            if (!seen.Add(i)) throw new ArgumentException($"'{Dimensions[i].Name}' is given twice.");
            unit[i] = Dimensions[i].CheckedUnit(value);
        }
        return unit;
    }

    /// <summary>The values of <paramref name="values"/> (checked by <see cref="Point"/>) by the options' own names and types,
    /// and the defaults of the options not named, to set exactly where the point's round trip through [0, 1] would miss them by an ulp.</summary>
    internal IReadOnlyDictionary<string, object> ExactValues(IReadOnlyDictionary<string, object> values)
    {
        var exact = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var dimension in Dimensions) exact[dimension.Name] = dimension.DefaultValue; // an option not named
        foreach (var (name, value) in values)
        {
            var dimension = Dimensions.First(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase));
            exact[dimension.Name] = dimension.ExactValue(value);
        }
        return exact;
    }

    /// <summary><see cref="Sample{TOptions}"/> with the options of <paramref name="exact"/> set to its values.</summary>
    internal TOptions SampleExact<TOptions>(IReadOnlyList<double> unit, TOptions baseOptions, IReadOnlyDictionary<string, object>? exact) where TOptions : class
    {
        var options = Sample(unit, baseOptions);
        if (exact is not null)
            for (int i = 0; i < Count; i++)
                if (exact.TryGetValue(Dimensions[i].Name, out var value)) SetValue(_members[i], options, value);
        return options;
    }

    /// <summary><see cref="Values"/> with the values of <paramref name="exact"/> in place of the point's.</summary>
    internal IReadOnlyDictionary<string, object> ValuesExact(IReadOnlyList<double> unit, IReadOnlyDictionary<string, object>? exact)
    {
        var values = (Dictionary<string, object>)Values(unit);
        if (exact is not null)
            foreach (var (name, value) in exact) values[name] = value;
        return values;
    }

    /// <summary>The tuned options' values at <paramref name="unit"/>, by name (for reports).</summary>
    public IReadOnlyDictionary<string, object> Values(IReadOnlyList<double> unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (unit.Count != Count) throw new ArgumentException($"The point has {unit.Count} coordinates; the search space has {Count}.", nameof(unit));
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        for (int i = 0; i < Count; i++) values[Dimensions[i].Name] = Dimensions[i].ToValue(unit[i]);
        return values;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{OptionsType.Name}: {string.Join("; ", Dimensions)}";

    private static readonly MethodInfo CloneMethod = typeof(object).GetMethod("MemberwiseClone", BindingFlags.Instance | BindingFlags.NonPublic)!;

    private void CheckInstance(object options, string paramName)
    {
        if (!OptionsType.IsInstanceOfType(options))
            throw new ArgumentException($"The options are a {options.GetType().Name}; this search space was read from {OptionsType.Name}.", paramName);
    }

    private static object? GetValue(MemberInfo member, object target)
        => member is FieldInfo f ? f.GetValue(target) : ((PropertyInfo)member).GetValue(target);

    private static void SetValue(MemberInfo member, object target, object value)
    {
        if (member is FieldInfo f) f.SetValue(target, value);
        else ((PropertyInfo)member).SetValue(target, value);
    }

    /// <summary>The attributed public instance fields and writable properties, base class first, each in declaration order.</summary>
    private static IEnumerable<(MemberInfo Member, SearchDimension Dimension)> Members(Type type)
    {
        var chain = new List<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType) chain.Insert(0, t);
        foreach (var t in chain)
        {
            var members = t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Where(m => m is FieldInfo { IsInitOnly: false, IsLiteral: false } || m is PropertyInfo { CanWrite: true, CanRead: true })
                .OrderBy(m => m.MetadataToken);
            foreach (var member in members)
                if (Read(member) is { } dimension) yield return (member, dimension);
        }
    }

    private static SearchDimension? Read(MemberInfo member)
    {
        Type valueType = member is FieldInfo f ? f.FieldType : ((PropertyInfo)member).PropertyType;
        string name = member.Name;
        if (member.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            if (valueType != typeof(int) && valueType != typeof(long) && valueType != typeof(double) && valueType != typeof(float))
                throw new ArgumentException($"[Range] on '{name}' needs an int, long, float or double option; it is {valueType.Name}.");
            double min = Number(range.Min), max = Number(range.Max);
            if (!(min < max)) throw new ArgumentException($"[Range] on '{name}': min must be less than max; got {SearchDimension.Format(min)} and {SearchDimension.Format(max)}.");
            if (range.LogBase && !(min > 0)) throw new ArgumentException($"[Range] on '{name}' is logarithmic, so min must be greater than 0; got {SearchDimension.Format(min)}.");
            double init = range.Init is null ? min : Number(range.Init);
            if (!(init >= min && init <= max))
                throw new ArgumentException($"[Range] on '{name}': init must lie in [{SearchDimension.Format(min)}, {SearchDimension.Format(max)}]; got {SearchDimension.Format(init)}.");
            object initValue = valueType == typeof(int) ? (object)(int)Math.Round(init) : valueType == typeof(long) ? (object)(long)Math.Round(init)
                : valueType == typeof(float) ? (object)(float)init : (object)init;
            return new SearchDimension(name, valueType, SearchDimensionKind.Range, min, max, range.LogBase, [], initValue);
        }
        if (member.GetCustomAttribute<ChoiceAttribute>() is { } choice)
        {
            var candidates = (choice.Candidates ?? []).Select(c => Convert(c, valueType, name)).ToArray();
            if (candidates.Length == 0) throw new ArgumentException($"[Choice] on '{name}' has no candidates.");
            object initValue = choice.DefaultValue is null ? candidates[0] : Convert(choice.DefaultValue, valueType, name);
            if (!candidates.Contains(initValue))
                throw new ArgumentException($"[Choice] on '{name}': the default {SearchDimension.Format(initValue)} is not one of the candidates.");
            return new SearchDimension(name, valueType, SearchDimensionKind.Choice, double.NaN, double.NaN, false, candidates, initValue);
        }
        if (member.GetCustomAttribute<BooleanChoiceAttribute>() is { } boolean)
        {
            if (valueType != typeof(bool)) throw new ArgumentException($"[BooleanChoice] on '{name}' needs a bool option; it is {valueType.Name}.");
            return new SearchDimension(name, valueType, SearchDimensionKind.Boolean, double.NaN, double.NaN, false, [false, true], boolean.DefaultValue);
        }
        return null;
    }

    private static double Number(object value) => System.Convert.ToDouble(value, CultureInfo.InvariantCulture);

    private static object Convert(object candidate, Type valueType, string name)
    {
        try
        {
            if (valueType.IsEnum) return candidate is string s ? Enum.Parse(valueType, s, ignoreCase: true) : Enum.ToObject(valueType, candidate);
            return valueType.IsInstanceOfType(candidate) ? candidate : System.Convert.ChangeType(candidate, valueType, CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException or ArgumentException)
        {
            throw new ArgumentException($"[Choice] on '{name}': the candidate {SearchDimension.Format(candidate)} is not a {valueType.Name}.");
        }
    }
}
