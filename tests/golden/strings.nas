space strings {
  meta {
    quote = "she said \"hi\""
    backslash = "C:\\runs\\a"
    newline = "two\nlines"
    tab = "a\tb"
    unicode = "größe ширина 層 α"
    empty = ""
  }
  head projector(x: 64) {
    z = identity(x)
  }
}
