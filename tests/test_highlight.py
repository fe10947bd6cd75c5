"""The Pygments lexer: registered for .nas, and it tells keywords, ops and numbers apart."""

from pygments.lexers import get_lexer_for_filename
from pygments.token import Comment, Keyword, Name, Number

from nasiam_dsl.highlight import NasiamLexer


def test_lexer_is_registered_for_nas_files():
    assert isinstance(get_lexer_for_filename("space.nas"), NasiamLexer)


def test_tokens():
    text = "space s { # note\n head p(x: backbone) { h = linear(x, 2k) | act{gelu @0.7} } }"
    tokens = {(tok, value) for tok, value in NasiamLexer().get_tokens(text)}
    assert (Keyword, "space") in tokens
    assert (Keyword, "head") in tokens
    assert (Comment.Single, "# note") in tokens
    assert (Name.Builtin, "linear") in tokens
    assert (Name.Builtin, "gelu") in tokens
    assert (Keyword.Constant, "backbone") in tokens
    assert (Number, "2k") in tokens
    assert (Number.Float, "@0.7") in tokens


def test_every_keyword_of_the_grammar_is_highlighted_as_a_keyword():
    from nasiam_dsl.lang.parser import keywords

    for word in keywords():
        kinds = [tok for tok, value in NasiamLexer().get_tokens(word) if value == word]
        assert kinds and kinds[0] in Keyword, word
