# a typo in a node reference
space s for simsiam {
  head projector(x: backbone) {
    hidden = linear(x, 2048) | bn | relu
    z = linear(hiden, 2048)
  }
}
