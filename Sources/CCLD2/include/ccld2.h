// A C-callable face of Compact Language Detector 2 (Debian libcld2-dev; C++): one plain-text detection with
// the top three languages, so Swift needs no C++ interop.
#ifndef CCLD2_H
#define CCLD2_H

#ifdef __cplusplus
extern "C" {
#endif

/// The result of one detection. Codes are CLD2's (`LanguageCode`): ISO 639-1 where one exists
/// ("en", "zh", "zh-Hant", "iw" for Hebrew), "un" for unknown.
typedef struct {
    char codes[3][16];
    /// Share (0…100) of the scored text bytes in each of the three languages.
    int percents[3];
    /// CLD2's normalized score of each language (near 1 for normal text of that language).
    double normalizedScores[3];
    /// Letters-only bytes CLD2 scored.
    int textBytes;
    /// CLD2's reliability flag for the top language.
    int reliable;
    /// Leading bytes that are valid UTF-8 (< length: the input is not UTF-8 and nothing was detected).
    int validPrefixBytes;
} ccld2_result;

/// Detects the language of `length` bytes of plain text at `text` (need not be NUL-terminated; invalid
/// UTF-8 gives "un"). Never throws; `out` is always filled.
void ccld2_detect(const char *text, int length, ccld2_result *out);

/// CLD2's version string ("code_version - data_build_date").
const char *ccld2_version(void);

#ifdef __cplusplus
}
#endif

#endif
