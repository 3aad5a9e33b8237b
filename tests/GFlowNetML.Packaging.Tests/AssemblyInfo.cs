// The checks share one package cache and one feed; they run one after another.
[assembly: DoNotParallelize]
