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

    @Test("candidates restrict the decision and renormalise the confidence; CLD2 refuses a restriction")
    func candidates() throws {
        let open = try FastTextIdentifier(contentsOf: TestPaths.fixture("fasttext/tiny-lid.bin"))
        let text = "Пароль успешно изменен"
        #expect(open.identify(text).language == "ru")
        // Without Russian among the candidates another of them wins; with every label the answer is unchanged.
        let noRussian = try FastTextIdentifier(contentsOf: TestPaths.fixture("fasttext/tiny-lid.bin"), candidates: ["en", "de", "fr"])
        let guess = noRussian.identify(text)
        #expect(["en", "de", "fr"].contains(guess.language))
        #expect(guess.confidence > 0 && guess.confidence <= 1)
        let all = ["en", "ar", "el", "hi", "tr", "vi", "zh", "de", "fr", "es", "ru", "ja"]
        let closed = try FastTextIdentifier(contentsOf: TestPaths.fixture("fasttext/tiny-lid.ftz"), candidates: all)
        #expect(closed.identify(text).language == "ru")
        // Over all of the model's labels (the toy model knows these 12) the renormalised confidence is the
        // softmax probability; the open answer carries fastText's reported p + 1e-5 (fasttext.cc, std_log).
        let openGuess = try FastTextIdentifier(contentsOf: TestPaths.fixture("fasttext/tiny-lid.ftz")).identify(text)
        #expect(abs(closed.identify(text).confidence + 1e-5 - openGuess.confidence) < 1e-6)
        #expect(closed.identify("") == .undetermined)
        #expect(throws: ResponsesError.candidatesNeedFastText) { try LanguageIdentifiers.make(nil, candidates: ["en"]) }
        #expect(LanguageIdentifiers.candidates("study", textLanguages: ["de", nil, "zh", "de"]) == ["de", "en", "zh"])
        #expect(LanguageIdentifiers.candidates("en, fr", textLanguages: []) == ["en", "fr"])
    }
}
