// A minimal pickle interpreter for the state dicts `torch.save` writes. It never executes code.
//
// Opcodes: CPython `Lib/pickletools.py` (protocol 2, plus the few protocol-4 framing/memo opcodes newer
// writers emit). Globals: the callables `torch.save` references for a state dict —
// `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter` — and the
// typed storage classes named in persistent ids (`torch.FloatStorage`, …). Any other opcode or global is
// refused with an error naming it, so a pickle that would call e.g. `os.system` is never run.

/// A tensor described by `torch._utils._rebuild_tensor_v2(storage, offset, size, stride, …)`.
public struct PickledTensor: Sendable, Equatable {
    /// The storage's key: its data lives in the archive entry `<prefix>/data/<key>`.
    public var storageKey: String
    public var dtype: DType
    /// Elements in the whole storage (several tensors may view one storage).
    public var storageElements: Int
    /// Offset into the storage, in elements.
    public var storageOffset: Int
    public var shape: [Int]
    public var stride: [Int]
}

/// Values the machine builds. Only what state dicts contain; callables are kept as their names.
indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    case float(Double)
    case string(String)
    case tuple([PickleValue])
    case list([PickleValue])
    /// Keys and values in insertion order (an `OrderedDict` or a plain dict).
    case dict([(PickleValue, PickleValue)])
    case global(module: String, name: String)
    /// A persistent id resolved to a typed storage.
    case storage(key: String, dtype: DType, elements: Int)
    case tensor(PickledTensor)
    case mark

}

/// Runs the pickle subset over `bytes` and returns the value left by STOP.
enum PickleMachine {
    /// Typed storage classes → element type (`torch/storage.py`, legacy typed storages).
    static let storageTypes: [String: DType] = [
        "FloatStorage": .f32, "HalfStorage": .f16, "BFloat16Storage": .bf16, "DoubleStorage": .f64,
        "LongStorage": .i64, "IntStorage": .i32, "ShortStorage": .i16, "CharStorage": .i8,
        "ByteStorage": .u8, "BoolStorage": .bool,
    ]

    /// A value on the machine's stack or in its memo, with its container nesting depth. Depth is computed
    /// once, when a container is built from items whose depths are known, so a structure that shares one
    /// object many times through the memo (a DAG whose paths double per level) costs work proportional to
    /// the objects built, never to the paths through them.
    private struct Slot {
        var value: PickleValue
        var depth: Int
    }

    static func run(_ bytes: UnsafeRawBufferPointer, file: String) throws -> PickleValue {
        var stack: [Slot] = []
        var memo: [Int: Slot] = [:]
        var pc = 0
        let n = bytes.count
        // Elements copied into lists and dicts. A memoized container appended to one item at a time is
        // copied on every append (the memo shares its storage), which is quadratic in hostile input; real
        // pickles append in batches of 1000 (`pickle._BATCHSIZE`) and stay far below this budget.
        var copied = 0
        let copyBudget = 4 * n + (1 << 18)

        func fail(_ reason: String) -> CheckpointError { .malformed(file: file, reason: "pickle: \(reason)") }
        func need(_ k: Int) throws {
            guard k >= 0, k <= n - pc else { throw fail("truncated at byte \(pc)") }
        }
        func u8() throws -> Int { try need(1); defer { pc += 1 }; return Int(bytes[pc]) }
        func u16() throws -> Int { try need(2); defer { pc += 2 }; return Int(UInt16(bytes[pc]) | UInt16(bytes[pc + 1]) << 8) }
        func u32() throws -> UInt32 {
            try need(4); defer { pc += 4 }
            return UInt32(bytes[pc]) | UInt32(bytes[pc + 1]) << 8 | UInt32(bytes[pc + 2]) << 16 | UInt32(bytes[pc + 3]) << 24
        }
        func text(_ k: Int) throws -> String {
            try need(k); defer { pc += k }
            guard let s = String(bytes: UnsafeRawBufferPointer(rebasing: bytes[pc..<pc + k]), encoding: .utf8) else {
                throw fail("string at byte \(pc) is not UTF-8")
            }
            return s
        }
        func line() throws -> String {
            var end = pc
            while end < n, bytes[end] != 0x0A { end += 1 }
            guard end < n else { throw fail("unterminated GLOBAL at byte \(pc)") }
            let s = try text(end - pc)
            pc += 1
            return s
        }
        /// Pushes a scalar (depth 0).
        func push(_ v: PickleValue) { stack.append(Slot(value: v, depth: 0)) }
        func pop() throws -> Slot {
            guard let v = stack.popLast() else { throw fail("stack underflow at byte \(pc)") }
            if case .mark = v.value { throw fail("unexpected MARK at byte \(pc)") }
            return v
        }
        /// Items above the topmost MARK, which is removed.
        func popMark() throws -> [Slot] {
            guard let m = stack.lastIndex(where: { if case .mark = $0.value { return true } else { return false } }) else {
                throw fail("no MARK at byte \(pc)")
            }
            let items = Array(stack[(m + 1)...])
            stack.removeSubrange(m...)
            return items
        }
        func memoGet(_ i: Int) throws -> Slot {
            guard let v = memo[i] else { throw fail("memo \(i) read before written") }
            return v
        }
        func memoPut(_ i: Int) throws {
            guard let v = stack.last else { throw fail("memo write on empty stack") }
            memo[i] = v
        }
        /// The depth of a container holding `items` (and `atLeast`, the depth of what it already holds).
        /// State dicts nest a few levels at most; deeper nesting is refused so a hostile pickle cannot build
        /// values whose recursive destruction exhausts the stack.
        func containerDepth(_ items: [Slot], atLeast: Int = 1) throws -> Int {
            let depth = max(atLeast, 1 + (items.map(\.depth).max() ?? 0))
            guard depth <= maxDepth else { throw fail("values nested deeper than \(maxDepth) levels at byte \(pc)") }
            return depth
        }
        func pushTuple(_ items: [Slot]) throws {
            stack.append(Slot(value: .tuple(items.map(\.value)), depth: try containerDepth(items)))
        }
        func charge(_ elements: Int) throws {
            copied += elements
            guard copied <= copyBudget else {
                throw fail("more than \(copyBudget) container elements copied by byte \(pc) (memo-shared containers appended to one item at a time)")
            }
        }
        func setItems(_ items: [Slot]) throws {
            guard items.count % 2 == 0 else { throw fail("odd number of dict items") }
            let target = try pop()
            guard case .dict(var pairs) = target.value else { throw fail("SETITEM(S) on a non-dict") }
            try charge(pairs.count + items.count)
            let depth = try containerDepth(items, atLeast: target.depth)
            var i = 0
            while i < items.count { pairs.append((items[i].value, items[i + 1].value)); i += 2 }
            stack.append(Slot(value: .dict(pairs), depth: depth))
        }
        func append(_ items: [Slot]) throws {
            let target = try pop()
            guard case .list(var list) = target.value else { throw fail("APPEND(S) on a non-list") }
            try charge(list.count + items.count)
            let depth = try containerDepth(items, atLeast: target.depth)
            list.append(contentsOf: items.map(\.value))
            stack.append(Slot(value: .list(list), depth: depth))
        }

        while true {
            let at = pc
            let op = try u8()
            switch op {
            case 0x80: _ = try u8()  // PROTO
            case 0x95: try need(8); pc += 8  // FRAME (protocol 4): length prefix, no effect on meaning
            case 0x2E:  // STOP
                return try pop().value
            case 0x28: push(.mark)  // MARK
            case 0x7D: stack.append(Slot(value: .dict([]), depth: 1))  // EMPTY_DICT
            case 0x5D: stack.append(Slot(value: .list([]), depth: 1))  // EMPTY_LIST
            case 0x29: stack.append(Slot(value: .tuple([]), depth: 1))  // EMPTY_TUPLE
            case 0x4E: push(.none)  // NONE
            case 0x88: push(.bool(true))  // NEWTRUE
            case 0x89: push(.bool(false))  // NEWFALSE
            case 0x4A: push(.int(Int(Int32(bitPattern: try u32()))))  // BININT
            case 0x4B: push(.int(try u8()))  // BININT1
            case 0x4D: push(.int(try u16()))  // BININT2
            case 0x8A:  // LONG1: n-byte little-endian two's complement
                let k = try u8()
                guard k <= 8 else { throw fail("LONG1 of \(k) bytes at byte \(at) is too large") }
                try need(k)
                var v: UInt64 = 0
                for j in 0..<k { v |= UInt64(bytes[pc + j]) << (8 * UInt64(j)) }
                if k > 0, k < 8, bytes[pc + k - 1] & 0x80 != 0 { v |= ~0 << (8 * UInt64(k)) }
                pc += k
                push(.int(Int(Int64(bitPattern: v))))
            case 0x47:  // BINFLOAT: big-endian float64
                try need(8)
                var v: UInt64 = 0
                for j in 0..<8 { v = v << 8 | UInt64(bytes[pc + j]) }
                pc += 8
                push(.float(Double(bitPattern: v)))
            case 0x58: push(.string(try text(Int(try u32()))))  // BINUNICODE
            case 0x8C: push(.string(try text(try u8())))  // SHORT_BINUNICODE
            case 0x55: push(.string(try text(try u8())))  // SHORT_BINSTRING
            case 0x54: push(.string(try text(Int(try u32()))))  // BINSTRING
            case 0x71: try memoPut(try u8())  // BINPUT
            case 0x72: try memoPut(Int(try u32()))  // LONG_BINPUT
            case 0x94: try memoPut(memo.count)  // MEMOIZE
            case 0x68: stack.append(try memoGet(try u8()))  // BINGET
            case 0x6A: stack.append(try memoGet(Int(try u32())))  // LONG_BINGET
            case 0x30: _ = try pop()  // POP
            case 0x31: _ = try popMark()  // POP_MARK
            case 0x74: try pushTuple(try popMark())  // TUPLE
            case 0x85: try pushTuple([try pop()])  // TUPLE1
            case 0x86: let b = try pop(), a = try pop(); try pushTuple([a, b])  // TUPLE2
            case 0x87: let c = try pop(), b = try pop(), a = try pop(); try pushTuple([a, b, c])  // TUPLE3
            case 0x6C: let items = try popMark(); stack.append(Slot(value: .list(items.map(\.value)), depth: try containerDepth(items)))  // LIST
            case 0x73: let v = try pop(), k = try pop(); try setItems([k, v])  // SETITEM
            case 0x75: try setItems(try popMark())  // SETITEMS
            case 0x61: try append([try pop()])  // APPEND
            case 0x65: try append(try popMark())  // APPENDS
            case 0x63:  // GLOBAL "module\nname\n"
                let module = try line(), name = try line()
                try checkGlobal(module, name, file: file)
                push(.global(module: module, name: name))
            case 0x51:  // BINPERSID: ('storage', storage class, key, location, numel)
                push(try storage(from: try pop().value, file: file))
            case 0x52:  // REDUCE
                let args = try pop(), callable = try pop()
                push(try reduce(callable.value, args.value, file: file))
            case 0x62:  // BUILD: object state. A state dict's OrderedDict carries `_metadata` there; ignored.
                let state = try pop()
                guard let top = stack.last else { throw fail("BUILD on empty stack") }
                switch (top.value, state.value) {
                case (.dict, _), (_, .none): break
                case let (.tensor, .tuple(items)) where items.isEmpty: break
                case let (.tensor, .dict(pairs)) where pairs.isEmpty: break
                default: throw fail("BUILD at byte \(at) sets state on something other than a dict")
                }
            default:
                throw CheckpointError.unsupported(file: file, reason: "pickle opcode 0x\(String(op, radix: 16)) at byte \(at) is outside the subset torch.save uses")
            }
        }
    }

    static let maxDepth = 32

    static func checkGlobal(_ module: String, _ name: String, file: String) throws {
        switch (module, name) {
        case ("collections", "OrderedDict"), ("torch._utils", "_rebuild_tensor_v2"),
             ("torch._utils", "_rebuild_parameter"):
            return
        case ("torch", _) where storageTypes[name] != nil:
            return
        default:
            throw CheckpointError.unsupported(file: file, reason: "pickle global \(module).\(name) is not allowed (only state-dict tensors are read)")
        }
    }

    private static func storage(from pid: PickleValue, file: String) throws -> PickleValue {
        guard case let .tuple(items) = pid, items.count == 5, case .string("storage") = items[0],
              case let .global("torch", type) = items[1], let dtype = storageTypes[type],
              case let .string(key) = items[2], case let .int(elements) = items[4], elements >= 0 else {
            throw CheckpointError.malformed(file: file, reason: "pickle: persistent id is not a typed storage reference")
        }
        return .storage(key: key, dtype: dtype, elements: elements)
    }

    private static func reduce(_ callable: PickleValue, _ args: PickleValue, file: String) throws -> PickleValue {
        guard case let .global(module, name) = callable, case let .tuple(a) = args else {
            throw CheckpointError.malformed(file: file, reason: "pickle: REDUCE without a callable and an argument tuple")
        }
        switch (module, name) {
        case ("collections", "OrderedDict"):
            guard a.isEmpty else { throw CheckpointError.malformed(file: file, reason: "pickle: OrderedDict with arguments") }
            return .dict([])
        case ("torch._utils", "_rebuild_parameter"):
            // (data, requires_grad, backward_hooks): the parameter is its tensor.
            guard let first = a.first, case .tensor = first else {
                throw CheckpointError.malformed(file: file, reason: "pickle: _rebuild_parameter without a tensor")
            }
            return first
        case ("torch._utils", "_rebuild_tensor_v2"):
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            guard a.count >= 4, case let .storage(key, dtype, elements) = a[0], case let .int(offset) = a[1],
                  let shape = ints(a[2]), let stride = ints(a[3]), offset >= 0,
                  shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.malformed(file: file, reason: "pickle: _rebuild_tensor_v2 with unexpected arguments")
            }
            return .tensor(PickledTensor(storageKey: key, dtype: dtype, storageElements: elements,
                                         storageOffset: offset, shape: shape, stride: stride))
        default:
            throw CheckpointError.unsupported(file: file, reason: "pickle global \(module).\(name) cannot be called")
        }
    }

    private static func ints(_ v: PickleValue) -> [Int]? {
        guard case let .tuple(items) = v else { return nil }
        var out: [Int] = []
        for item in items {
            guard case let .int(i) = item else { return nil }
            out.append(i)
        }
        return out
    }
}
