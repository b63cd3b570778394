// The C shim over fastText's C++ API (fasttext.h): FastText::loadModel and FastText::predictLine.
#include "cfasttext.h"

#include <fasttext/fasttext.h>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>
#include <algorithm>

struct cfasttext_model {
    fasttext::FastText model;
};

static void copyText(const std::string &text, char *out, int length) {
    if (out == nullptr || length <= 0) return;
    std::strncpy(out, text.c_str(), length - 1);
    out[length - 1] = 0;
}

extern "C" cfasttext_model *cfasttext_load(const char *path, char *error, int errorLength) {
    copyText("", error, errorLength);
    auto *handle = new (std::nothrow) cfasttext_model();
    if (handle == nullptr) { copyText("out of memory", error, errorLength); return nullptr; }
    try {
        handle->model.loadModel(std::string(path));
        if (handle->model.getArgs().model != fasttext::model_name::sup) {
            copyText("not a supervised (classification) model", error, errorLength);
            delete handle;
            return nullptr;
        }
    } catch (const std::exception &e) {
        copyText(e.what(), error, errorLength);
        delete handle;
        return nullptr;
    } catch (...) {
        copyText("unreadable model", error, errorLength);
        delete handle;
        return nullptr;
    }
    return handle;
}

/// fastText's predictions for `length` bytes of `text` read as one line (newlines become spaces): the `k` most
/// probable labels (-1: every label), by decreasing probability; false when fastText throws.
static bool predictions(const cfasttext_model *model, const char *text, int length, int k,
                        std::vector<std::pair<fasttext::real, std::string>> &out) {
    std::string line(text, static_cast<size_t>(length));
    for (auto &c : line) if (c == '\n' || c == '\r') c = ' ';
    line.push_back('\n');
    std::istringstream in(line);
    try {
        model->model.predictLine(in, out, k, 0.0);
    } catch (...) {
        return false;
    }
    return true;
}

extern "C" int cfasttext_predict(const cfasttext_model *model, const char *text, int length, char *label,
                                 int labelLength, float *probability) {
    copyText("", label, labelLength);
    if (probability) *probability = 0;
    if (model == nullptr || text == nullptr || length <= 0) return 0;
    std::vector<std::pair<fasttext::real, std::string>> top;
    if (!predictions(model, text, length, 1, top) || top.empty()) return 0;
    copyText(top[0].second, label, labelLength);
    if (probability) *probability = top[0].first;
    return 1;
}

extern "C" int cfasttext_predict_among(const cfasttext_model *model, const char *text, int length,
                                       const char *candidates, char *label, int labelLength, float *probability) {
    copyText("", label, labelLength);
    if (probability) *probability = 0;
    if (model == nullptr || text == nullptr || length <= 0 || candidates == nullptr) return 0;
    std::vector<std::string> allowed;
    std::stringstream list{std::string(candidates)};
    for (std::string item; std::getline(list, item, ',');) if (!item.empty()) allowed.push_back(item);
    std::vector<std::pair<fasttext::real, std::string>> all;
    if (!predictions(model, text, length, -1, all)) return 0;
    // fastText reports exp(log(p + 1e-5)) (fasttext.cc, std_log): take the 1e-5 off before renormalising.
    auto softmax = [](fasttext::real reported) { return std::max(0.0, static_cast<double>(reported) - 1e-5); };
    double total = 0;
    const std::pair<fasttext::real, std::string> *best = nullptr;
    for (const auto &p : all) {
        bool inSet = false;
        for (const auto &a : allowed) if (p.second == a) { inSet = true; break; }
        if (!inSet) continue;
        total += softmax(p.first);
        if (best == nullptr) best = &p;  // predictions are sorted: the first candidate is the most probable
    }
    if (best == nullptr || total <= 0) return 0;
    copyText(best->second, label, labelLength);
    if (probability) *probability = static_cast<float>(softmax(best->first) / total);
    return 1;
}

extern "C" void cfasttext_free(cfasttext_model *model) { delete model; }
