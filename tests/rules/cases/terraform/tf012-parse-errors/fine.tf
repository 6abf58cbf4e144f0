# comments only, in every style
// slash comment
/* block
   comment */
