namespace GFlowNetML.Cluster;

/// <summary>How a worker silo (<see cref="GFlowNetSiloHost"/>) runs.</summary>
public sealed class GFlowNetSiloOptions
{
    /// <summary>How many runs the silo trains at once, each on a thread of its own with one torch thread.
    /// Default: <see cref="Environment.ProcessorCount"/>.</summary>
    public int Slots { get; set; } = Environment.ProcessorCount;

    /// <summary>The silo-to-silo port. Default 11111 (Orleans' default).</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port clients connect to. Default 30000 (Orleans' default).</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>A run whose slot sends no heartbeat for this long goes back to the queue and resumes from its checkpoint on
    /// the next free slot. Default 6 s (slots report every second).</summary>
    public TimeSpan LeaseTimeout { get; set; } = TimeSpan.FromSeconds(6);

    /// <summary>How often a slot reports its run's progress (its heartbeat). Default 1 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Called with one line per event the silo's slots see (a run started, resumed, finished, failed); null for none.</summary>
    public Action<string>? Log { get; set; }

    /// <summary>Throws when an option is out of range, naming it.</summary>
    public void Validate()
    {
        if (Slots is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Slots), Slots, "Slots must be in [1, 1024].");
        if (SiloPort is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(SiloPort), SiloPort, "SiloPort must be in [1, 65535].");
        if (GatewayPort is < 1 or > 65535 || GatewayPort == SiloPort)
            throw new ArgumentOutOfRangeException(nameof(GatewayPort), GatewayPort, "GatewayPort must be in [1, 65535] and differ from SiloPort.");
        if (HeartbeatInterval <= TimeSpan.Zero || LeaseTimeout < 2 * HeartbeatInterval)
            throw new ArgumentOutOfRangeException(nameof(LeaseTimeout), LeaseTimeout, "LeaseTimeout must be at least twice HeartbeatInterval, which must be positive.");
    }
}
