import Foundation
import Responses
import TestSupport
import Testing

@Suite("fastText models (.bin and quantized .ftz) identify through libfasttext")
struct FastTextTests {
    @Test("the toy model's labels come out as ISO codes with their probability, in both formats",
          arguments: ["tiny-lid.bin", "tiny-lid.ftz"])
    func toyModel(_ file: String) throws {
        let lid = try FastTextIdentifier(contentsOf: TestPaths.fixture("fasttext/\(file)"))
        #expect(lid.name == "fasttext \(file)")
        // Sentences outside the model's training rows.
        let ru = lid.identify("Пароль успешно изменен")
        #expect(ru.language == "ru")
        #expect(ru.confidence > 0.5 && ru.confidence <= 1)
        #expect(lid.identify("同じユーザー名が既に登録済みです。").language == "ja")
        #expect(lid.identify("Υπάρχει ήδη ένας χρήστης με αυτό το όνομα.").language == "el")
    }

    @Test("empty, letterless, non-UTF-8 text is 'und'; a file that is no fastText model is refused by name")
    func badInput() throws {
        let lid = try FastTextIdentifier(contentsOf: TestPaths.fixture("fasttext/tiny-lid.bin"))
        #expect(lid.identify("") == .undetermined)
        #expect(lid.identify("12 34 !!") == .undetermined)
        #expect(lid.identify(bytes: [0xC3, 0x28, 0xFF]) == .undetermined)
        let dir = try TestPaths.temporaryDirectory("fasttext")
        let junk = dir.appendingPathComponent("junk.bin")
        try Data("not a model at all".utf8).write(to: junk)
        #expect(throws: ResponsesError.self) { try FastTextIdentifier(contentsOf: junk) }
        do { _ = try FastTextIdentifier(contentsOf: junk) } catch {
            #expect((error as? LocalizedError)?.errorDescription?.contains("junk.bin") == true)
        }
        #expect(throws: ResponsesError.unreadable(file: dir.appendingPathComponent("none.bin").path, reason: "no such file")) {
            try FastTextIdentifier(contentsOf: dir.appendingPathComponent("none.bin"))
        }
    }
}
