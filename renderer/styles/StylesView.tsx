import { useEffect } from 'react';
import { StyleBrowser } from './StyleBrowser';
import { StyleEditor } from './StyleEditor';
import { useStylesStore } from './store';
import './styles.css';

export function StylesView() {
  const openId = useStylesStore((s) => s.openId);
  useEffect(() => {
    void useStylesStore.getState().load();
  }, []);
  return openId === null ? <StyleBrowser /> : <StyleEditor />;
}
