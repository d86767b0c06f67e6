import Foundation

/// A blocking FIFO of at most `capacity` elements between one producer thread and one
/// consumer: the back-pressure that keeps decoding at most a batch or two ahead of the CNN.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let capacity: Int
    private var elements: [Element] = []
    private var closed = false
    private var cancelled = false
    private let condition = NSCondition()

    init(capacity: Int) { self.capacity = max(1, capacity) }

    /// Blocks while full; returns false (dropping `element`) once the consumer cancelled.
    @discardableResult
    func push(_ element: Element) -> Bool {
        condition.lock(); defer { condition.unlock() }
        while elements.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        elements.append(element)
        condition.broadcast()
        return true
    }

    /// Blocks while empty; nil once the producer closed the queue and it is drained.
    func pop() -> Element? {
        condition.lock(); defer { condition.unlock() }
        while elements.isEmpty && !closed { condition.wait() }
        guard !elements.isEmpty else { return nil }
        let element = elements.removeFirst()
        condition.broadcast()
        return element
    }

    /// The producer has nothing more.
    func close() {
        condition.lock(); closed = true; condition.broadcast(); condition.unlock()
    }

    /// The consumer stops early: wakes a blocked producer so that it can finish.
    func cancel() {
        condition.lock(); cancelled = true; elements.removeAll(); condition.broadcast(); condition.unlock()
    }

    var isCancelled: Bool {
        condition.lock(); defer { condition.unlock() }
        return cancelled
    }
}
