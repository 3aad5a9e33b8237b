using System.Text.Json;
using System.Text.Json.Serialization;

namespace GFlowNetML.Cluster;

/// <summary>The JSON form of what crosses the cluster as text (trainer options, training results): doubles round-trip
/// exactly, NaN and ±∞ are allowed, enums are names.</summary>
internal static class ClusterJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };
}
