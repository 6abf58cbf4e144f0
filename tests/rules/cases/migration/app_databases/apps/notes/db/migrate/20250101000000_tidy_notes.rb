class TidyNotes < ActiveRecord::Migration[8.0]
  def change
    add_index :notes, :author_id
    change_column_null :notes, :title, false
    remove_column :notes, :legacy_body, :text
  end
end
