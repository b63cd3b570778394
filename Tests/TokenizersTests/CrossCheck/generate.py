# Regenerates stress-strings.jsonl (not run by the test suite). Needs: pip install sentencepiece==0.2.3 tokenizers==0.23.3
# usage: python3 generate.py DJANGO_TSV TINY_MLLAMA_TOKENIZER_MODEL SMOLLM2_GGUF > stress-strings.jsonl
# Strings: random mixes (seed 1234) of Django corpus words and edge cases (space runs, tabs, newlines, CR, emoji
# with ZWJ, combining marks, zero-width and BOM characters, number forms, special-token look-alikes, controls,
# private use, U+10FFFF). tiny-mllama ids: sentencepiece with BOS. SmolLM2 ids: HF tokenizers on a tokenizer.json
# built from the GGUF vocabulary (Digits(individual) + ByteLevel, as SmolLM2's own), only for strings without
# the text of a control token (HF cuts those out; llama.cpp and Interlingua treat them as text).
import json, random, struct, sys
import sentencepiece as spm
from tokenizers import Tokenizer

def gguf_metadata(path):
    f = open(path, 'rb')
    def r(fmt): return struct.unpack('<' + fmt, f.read(struct.calcsize('<' + fmt)))[0]
    assert f.read(4) == b'GGUF'; r('I'); r('Q'); count = r('Q')
    def s(): return f.read(r('Q')).decode('utf-8')
    fmt = {0: 'B', 1: 'b', 2: 'H', 3: 'h', 4: 'I', 5: 'i', 6: 'f', 7: '?', 10: 'Q', 11: 'q', 12: 'd'}
    def val(t):
        if t == 8: return s()
        if t == 9:
            et = r('I'); n = r('Q'); return [val(et) for _ in range(n)]
        return r(fmt[t])
    m = {}
    for _ in range(count):
        k = s(); m[k] = val(r('I'))
    return m

random.seed(1234)
rows = [l.rstrip('\n').split('\t')[1:] for l in open(sys.argv[1]).readlines()[1:]]
words = [w for row in rows for t in row for w in t.split()]
pieces = ['  ', '   ', '\t', '\n', '\n\n', ' \n ', '\r\n', '🙂', '👩‍👩‍👧', 'é', 'e\u0301', '\u200b', '\ufeff', '½', '²', 'Ⅻ',
          '٣', '१२३', '１２３', 'x²', '3.14', '1,000', '$5', '<s>', '</s>', '<pad>', '<unk>', '<|im_start|>',
          '<start_of_turn>', '<bos>', '<0x41>', '▁', '__', '...', '—', '«»', '日本語', '한국어', 'ไทย', 'ﷺ', '\u0000',
          '\u0007', '\U0010FFFF', '\ue000', '\U0001F9D1\u200d\U0001F4BB', "it's", "I'LL", "'re", '\u00a0', '\u3000',
          '\u2028', 'a' * 40, '9' * 30, '<table>', '<h1>', 'http://x.y/z?q=1&r=2']
texts = []
for i in range(3000):
    parts = [random.choice(words) if random.random() < 0.6 else random.choice(pieces) for _ in range(random.randint(1, 8))]
    sep = random.choice(['', ' ', ' ', '  ', '\t', '\n'])
    texts.append(sep.join(parts) if random.random() < 0.9 else
                 random.choice(['', ' ', '  ']) + sep.join(parts) + random.choice(['', ' ', '  ', '\n']))
sp = spm.SentencePieceProcessor(model_file=sys.argv[2])
m = gguf_metadata(sys.argv[3])
tokens, types = m['tokenizer.ggml.tokens'], m['tokenizer.ggml.token_type']
control = [tokens[i] for i in range(len(tokens)) if types[i] == 3]
hf = Tokenizer.from_str(json.dumps({
    'version': '1.0', 'normalizer': None, 'post_processor': None, 'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
    'added_tokens': [{'id': i, 'content': tokens[i], 'single_word': False, 'lstrip': False, 'rstrip': False,
                      'normalized': False, 'special': True} for i in range(len(tokens)) if types[i] == 3],
    'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
        {'type': 'Digits', 'individual_digits': True},
        {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}]},
    'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
              'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
              'vocab': {t: i for i, t in enumerate(tokens)}, 'merges': m['tokenizer.ggml.merges']}}))
for i, text in enumerate(texts[:2000]):
    d = {'id': str(i), 'text': text, 'tiny_mllama_sentencepiece': [1] + sp.encode(text)}
    if not any(c in text for c in control):
        d['smollm2_hf_tokenizers'] = hf.encode(text, add_special_tokens=False).ids
    print(json.dumps(d, ensure_ascii=False))
