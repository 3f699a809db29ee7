import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { DEFAULT_PROJECT } from '../../shared/contract';

export { DEFAULT_PROJECT };

const STORAGE_KEY = 'lathe.project';

interface ProjectContextValue {
  project: string;
  setProject: (name: string) => void;
}

const ProjectContext = createContext<ProjectContextValue>({
  project: DEFAULT_PROJECT,
  setProject: () => undefined,
});

function readStored(): string {
  try {
    return window.localStorage.getItem(STORAGE_KEY) || DEFAULT_PROJECT;
  } catch {
    return DEFAULT_PROJECT;
  }
}

/** The project that Data and Experiments are scoped to, remembered across reloads. */
export function ProjectProvider({ children }: { children: ReactNode }) {
  const [project, setState] = useState(readStored);
  const setProject = useCallback((name: string) => {
    setState(name);
    try {
      window.localStorage.setItem(STORAGE_KEY, name);
    } catch {
      // Storage can be unavailable (file:// in some sandboxes); the choice then lasts for the session.
    }
  }, []);
  const value = useMemo(() => ({ project, setProject }), [project, setProject]);
  return <ProjectContext.Provider value={value}>{children}</ProjectContext.Provider>;
}

export function useProject(): ProjectContextValue {
  return useContext(ProjectContext);
}
