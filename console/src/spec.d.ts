/** The composer's hints, made at build time from spec/ by vite.config.ts. */
declare module 'virtual:ami-spec' {
  export interface SpecParam {
    name: string;
    required: boolean;
    text: string;
  }
  export interface SpecAction {
    name: string;
    synopsis: string;
    description: string;
    privileges: string[];
    list: boolean | 'conditional';
    params: SpecParam[];
  }
  const actions: SpecAction[];
  export default actions;
}
