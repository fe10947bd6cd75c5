# A file-level comment before the document.
# It has two lines.
space commented for simsiam {  # header comment
  # before meta
  meta {
    # before an entry
    note = "a # inside a string is not a comment"  # after an entry
  }

  # before a let
  let acts = {relu, gelu}  # after a let

  head projector(x: backbone) {  # after a head's opening brace
    # before a node
    h = linear(x, 512) | bn | act(acts)   # after a node
    z = linear(h, 256)
    # closing comment inside the head
  }

  constraint count(identity) <= 1 per head  # after a constraint
  # closing comment inside the document
}
