using System.Globalization;

namespace GFlowNetML.Cluster;

/// <summary>Where a cluster's membership and grain storage live: <c>redis://HOST:PORT</c> (silos on any number of machines)
/// or <c>localhost</c> (one silo on this machine, membership and storage in its memory).</summary>
public sealed record ClusterConnection
{
    private ClusterConnection(string? redisHost, int redisPort)
    {
        RedisHost = redisHost;
        RedisPort = redisPort;
    }

    /// <summary>The Redis server's host, or null for <c>localhost</c> clustering.</summary>
    public string? RedisHost { get; }

    /// <summary>The Redis server's port (0 for <c>localhost</c> clustering).</summary>
    public int RedisPort { get; }

    /// <summary>Whether membership and storage are in Redis.</summary>
    public bool IsRedis => RedisHost is not null;

    /// <summary>The StackExchange.Redis configuration string (<c>HOST:PORT</c>, failing fast when the server is down).</summary>
    internal string RedisConfiguration => string.Create(CultureInfo.InvariantCulture, $"{RedisHost}:{RedisPort},abortConnect=true,connectTimeout=3000,connectRetry=1");

    /// <summary>Whether the silos of this cluster are on this machine only (Redis on a loopback address, or localhost).</summary>
    internal bool IsLoopback => RedisHost is null or "localhost" || (System.Net.IPAddress.TryParse(RedisHost, out var a) && System.Net.IPAddress.IsLoopback(a));

    /// <summary>Reads <c>redis://HOST:PORT</c> or <c>localhost</c>.</summary>
    /// <param name="connection">The connection string.</param>
    /// <exception cref="ArgumentException">It is neither form; the message says what is allowed.</exception>
    public static ClusterConnection Parse(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        string text = connection.Trim();
        if (text.Equals("localhost", StringComparison.OrdinalIgnoreCase)) return new ClusterConnection(null, 0);
        const string prefix = "redis://";
        string Bad() => $"--cluster must be redis://HOST:PORT (the Redis server the silos use for membership and storage) or localhost (one silo on this machine); got '{connection}'.";
        if (!text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) throw new ArgumentException(Bad(), nameof(connection));
        string rest = text[prefix.Length..].TrimEnd('/');
        int colon = rest.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(rest[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out int port) || port is < 1 or > 65535)
            throw new ArgumentException(Bad(), nameof(connection));
        string host = rest[..colon].Trim('[', ']');
        if (host.Length == 0 || host.Any(char.IsWhiteSpace)) throw new ArgumentException(Bad(), nameof(connection));
        return new ClusterConnection(host, port);
    }

    /// <inheritdoc/>
    public override string ToString() => IsRedis ? string.Create(CultureInfo.InvariantCulture, $"redis://{RedisHost}:{RedisPort}") : "localhost";
}
