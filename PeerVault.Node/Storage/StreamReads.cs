using System.Runtime.CompilerServices;

namespace PeerVault.Node.Storage;

/// <summary>
/// <see cref="Stream.ReadAtLeastAsync"/> for a whole buffer, without its garbage: the framework's
/// version allocates a state machine each time an inner read completes asynchronously (a socket,
/// an asynchronous file), which on the chunk paths would be an allocation per chunk. This one runs
/// on a pooled builder, so a read that waits reuses a cached state machine.
/// </summary>
internal static class StreamReads
{
    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns how many bytes came.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
