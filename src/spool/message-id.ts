// Message ids for `250 2.0.0 OK id=<id>`: the project's sortable ids (short, URL-safe, time-ordered).
export {
  newSortableId as newMessageId,
  isSortableId as isMessageId,
  sortableIdTime as messageIdTime,
} from '../security/sortable-id.js';
