export { AttemptsList } from './AttemptsList';
export { Badge, type BadgeTone } from './Badge';
export { Button, type ButtonProps } from './Button';
export { Checkbox } from './Checkbox';
export { type ChipOption, FilterChips, TagPill } from './Chips';
export { ComingSoon } from './ComingSoon';
export { Dialog } from './Dialog';
export { type DiffRow, DiffView } from './DiffView';
export { DropZone } from './DropZone';
export { EmptyState } from './EmptyState';
export { ErrorCard, FixButton } from './ErrorCard';
export { Field, type FieldIds } from './Field';
export { Icon, type IconName } from './Icon';
export { ImageViewer, type ViewerImage } from './ImageViewer';
export { Meter } from './Meter';
export { RunFactBadges } from './RunFactBadges';
export { type Segment, SegmentedControl } from './SegmentedControl';
export { Select, type SelectOption } from './Select';
export { ProgressBar, Spinner } from './Spinner';
export { type TabItem, TabPanel, Tabs, tabId, tabPanelId } from './Tabs';
export { VirtualGrid } from './VirtualGrid';

// Shared looks with no component of their own, used by more than one feature.
import './notice.css';
import './result-tile.css';
import './thumb.css';
import './kv.css';
import './tags.css';
import './library.css';
