namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// A queue that many threads add to and one dedicated thread drains in batches, blocking while it is empty. It blocks
/// without spinning: the group-commit threads wait for work thousands of times a second, and spin-then-block waits
/// (a channel waited on synchronously) burned a tenth of the two cores the request threads needed.
/// </summary>
internal sealed class HandOffQueue<T>
{
    private readonly object _gate = new();
    private readonly Queue<T> _items = new();
    private bool _completed;

    /// <summary>False once <see cref="Complete"/> was called.</summary>
    public bool TryAdd(T item)
    {
        lock (_gate)
        {
            if (_completed) return false;
            _items.Enqueue(item);
            if (_items.Count == 1) Monitor.Pulse(_gate); // the consumer waits only while the queue is empty
            return true;
        }
    }

    /// <summary>No more items: the consumer drains what is left, then <see cref="TakeBatch"/> returns false.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Blocks until there is at least one item, then moves up to <paramref name="max"/> into <paramref name="into"/>.</summary>
    public bool TakeBatch(List<T> into, int max)
    {
        lock (_gate)
        {
            while (_items.Count == 0)
            {
                if (_completed) return false;
                Monitor.Wait(_gate);
            }
            while (into.Count < max && _items.TryDequeue(out var item)) into.Add(item);
            return true;
        }
    }
}
