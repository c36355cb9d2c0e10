// @types/node 20 declares no WebAssembly global (lib is ES2023 without DOM): the parts the runner uses.
declare global {
  // A global namespace cannot be written as a module; this mirrors lib.dom's declaration.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace WebAssembly {
    class Module {
      constructor(bytes: Uint8Array);
      static imports(module: Module): { module: string; name: string; kind: string }[];
      static exports(module: Module): { name: string; kind: string }[];
    }
    class Instance {
      constructor(module: Module, imports?: object);
      readonly exports: Record<string, unknown>;
    }
    class Memory {
      readonly buffer: ArrayBuffer;
      grow(pages: number): number;
    }
    class RuntimeError extends Error {}
    class CompileError extends Error {}
    class LinkError extends Error {}
    function compile(bytes: Uint8Array): Promise<Module>;
  }
}

export {};
