import Foundation
import Testing
import TestSupport
import Tracing

@Suite("SHA-256 matches the FIPS 180-4 examples")
struct SHA256Tests {
    static func digest(_ text: String) -> String {
        var hash = SHA256()
        hash.update(Data(text.utf8))
        return hash.hexDigest()
    }

    @Test("empty, abc, the 448-bit message and a million a's")
    func knownVectors() {
        #expect(Self.digest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Self.digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Self.digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(Self.digest(String(repeating: "a", count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("feeding the bytes in uneven pieces gives the same digest")
    func pieces() {
        let bytes = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        var whole = SHA256()
        whole.update(bytes)
        var pieces = SHA256()
        var start = 0
        for size in [1, 63, 64, 65, 7, 300] where start < bytes.count {
            let end = min(bytes.count, start + size)
            pieces.update(bytes.subdata(in: start..<end))
            start = end
        }
        pieces.update(bytes.subdata(in: start..<bytes.count))
        #expect(pieces.hexDigest() == whole.hexDigest())
    }

    @Test("the digest cache answers for an unchanged file and hashes a changed one again")
    func cache() throws {
        let dir = try TestPaths.temporaryDirectory("sha-cache")
        let file = dir.appendingPathComponent("f.txt")
        try Data("abc".utf8).write(to: file)
        let cache = FileDigestCache(url: dir.appendingPathComponent("sha256.json"))
        var hashed = 0
        #expect(try cache.sha256(of: file, progress: { _, _ in hashed += 1 }) == Self.digest("abc"))
        #expect(try cache.sha256(of: file, progress: { _, _ in hashed += 1 }) == Self.digest("abc"))
        #expect(hashed == 1)
        try Data("abd".utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: 10)], ofItemAtPath: file.path)
        #expect(try cache.sha256(of: file, progress: { _, _ in hashed += 1 }) == Self.digest("abd"))
        #expect(hashed == 2)
    }
}
