# BOM and CRLF line endings are read, and written back as plain UTF-8 with LF.
space crlf for byol {
  head projector(x: backbone) {
    h = linear(x, 4096) | bn | relu  # trailing
    z = linear(h, 256)
  }
}
