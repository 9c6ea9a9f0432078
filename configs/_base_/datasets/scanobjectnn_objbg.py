# ScanObjectNN OBJ_BG (objects with their background): the variant of the
# dataset base, scanobjectnn.py, which holds everything.
_base_ = ['./scanobjectnn.py']
