// handlebars ships runtime.js without usable types: it is the same API minus the compiler.
declare module 'handlebars/runtime.js' {
  import Handlebars from 'handlebars';
  export default Handlebars;
}
