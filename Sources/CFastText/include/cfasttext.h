// A C-callable face of fastText (Debian libfasttext-dev; C++): load a supervised model (.bin / .ftz) and
// predict the top label of one line of text, so Swift needs no C++ interop.
#ifndef CFASTTEXT_H
#define CFASTTEXT_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cfasttext_model cfasttext_model;

/// Loads the model at `path`; NULL on failure with the reason in `error` (NUL-terminated, truncated to
/// `errorLength`). A model that is not supervised (word vectors) is refused.
cfasttext_model *cfasttext_load(const char *path, char *error, int errorLength);

/// The most probable label of `length` bytes of UTF-8 `text` (newlines are read as spaces) into `label`
/// (NUL-terminated, truncated) with its probability; returns 0 when the model predicts nothing.
int cfasttext_predict(const cfasttext_model *model, const char *text, int length, char *label, int labelLength,
                      float *probability);

/// The most probable label among `candidates` (comma-separated full labels, e.g. "__label__en,__label__de"),
/// with its probability renormalised over the candidates (p / Σ p of the candidates); 0 when none is predicted.
int cfasttext_predict_among(const cfasttext_model *model, const char *text, int length, const char *candidates,
                            char *label, int labelLength, float *probability);

void cfasttext_free(cfasttext_model *model);

#ifdef __cplusplus
}
#endif

#endif
