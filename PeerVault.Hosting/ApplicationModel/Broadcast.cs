using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Hands every published item to every watcher, after first giving a new watcher the items that
/// already exist. Updates and registrations share one lock, so a watcher sees each item exactly once.
/// </summary>
internal sealed class Broadcast<T>
{
    private readonly Lock _lock = new();
    private readonly List<Channel<T>> _watchers = [];

    /// <summary>Runs <paramref name="update"/> under the lock and sends its result to every watcher.</summary>
    public T Publish(Func<T> update)
    {
        lock (_lock)
        {
            var item = update();
            foreach (var watcher in _watchers)
            {
                watcher.Writer.TryWrite(item);
            }

            return item;
        }
    }

    /// <summary>Reads shared state under the same lock as <see cref="Publish"/>.</summary>
    public TResult Read<TResult>(Func<TResult> read)
    {
        lock (_lock)
        {
            return read();
        }
    }

    public async IAsyncEnumerable<T> WatchAsync(Func<IEnumerable<T>> current, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<T>();
        lock (_lock)
        {
            foreach (var item in current())
            {
                channel.Writer.TryWrite(item);
            }

            _watchers.Add(channel);
        }

        try
        {
            await foreach (var item in channel.Reader.ReadAllAsync(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            lock (_lock)
            {
                _watchers.Remove(channel);
            }
        }
    }
}
